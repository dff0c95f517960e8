// The secretariat's console: queues, a referral, and the secretariat's actions on it.
// Everything is asked of referral's own API with the person's token (sessionStorage, bearer).
"use strict";

const TEXT = {
  id: {
    title: "Konsol Sekretariat SLRT", signout: "Keluar", signin_title: "Masuk",
    signin_help: "Masukkan token pribadi yang diberikan admin SLRT. Token disimpan hanya di tab ini dan hilang saat tab ditutup.",
    token: "Token petugas", signin: "Masuk", waiting: "Menunggu di sekretariat",
    overdue: "Melewati tenggat", escalated: "Eskalasi", extend: "Perpanjang tenggat",
    new_due: "Tenggat baru", reason: "Alasan", extend_do: "Perpanjang", history: "Riwayat",
    back: "Kembali ke antrean", open: "Buka", empty: "Tidak ada rujukan.", due: "Tenggat",
    late: "terlambat", agency: "Instansi", service: "Layanan", village: "Desa",
    status: "Status", level: "Eskalasi", ticket: "Tiket", loading: "Memuat…",
    extended: "Tenggat diperpanjang.", signed_in: "Berhasil masuk.",
    no_history: "Belum ada tindakan.", due_extended: "Tenggat diperpanjang", by: "oleh",
    pick_reason: "Pilih alasan", need_date: "Isi tenggat baru.",
    triage: "Teruskan ke layanan", triage_do: "Teruskan", by_rule: "Sesuai aturan layanan",
    pick_service: "Pilih layanan", reroute: "Alihkan ke instansi lain", to_agency: "Instansi tujuan",
    reroute_do: "Alihkan", pick_agency: "Pilih instansi", hold: "Tangani sendiri oleh sekretariat",
    hold_reason: "Alasan mengambil dari instansi", hold_do: "Tangani sendiri",
    resolve: "Laporkan hasil",
    outcome: "Hasil", resolve_do: "Selesaikan", pick_outcome: "Pilih hasil",
    note: "Tambah catatan", note_text: "Catatan (untuk petugas, maks. 1000 karakter)",
    note_do: "Simpan catatan", need_note: "Isi catatan.",
    triaged: "Diteruskan", withdrawn: "Ditarik dari instansi", held: "Ditangani sekretariat",
    resolved: "Hasil dilaporkan", note_added: "Catatan",
    done_triaged: "Kebutuhan diteruskan.", done_withdrawn: "Rujukan dialihkan.",
    done_held: "Rujukan ditangani sekretariat.", done_resolved: "Hasil dilaporkan.",
    done_note: "Catatan disimpan.", kept_by_secretariat: "ditangani sekretariat",
    o_resolved: "Selesai", o_partially_resolved: "Selesai sebagian", o_unresolvable: "Tidak dapat diselesaikan",
  },
  en: {
    title: "SLRT Secretariat Console", signout: "Sign out", signin_title: "Sign in",
    signin_help: "Enter the personal token the SLRT admin gave you. It is kept in this tab only and is gone when the tab closes.",
    token: "Staff token", signin: "Sign in", waiting: "Waiting at the secretariat",
    overdue: "Overdue", escalated: "Escalations", extend: "Extend the due date",
    new_due: "New due date", reason: "Reason", extend_do: "Extend", history: "History",
    back: "Back to the queues", open: "Open", empty: "No referrals.", due: "Due",
    late: "overdue", agency: "Agency", service: "Service", village: "Village",
    status: "Status", level: "Escalation", ticket: "Ticket", loading: "Loading…",
    extended: "Due date extended.", signed_in: "Signed in.",
    no_history: "No action yet.", due_extended: "Due date extended", by: "by",
    pick_reason: "Choose a reason", need_date: "Fill in the new due date.",
    triage: "Send on to a service", triage_do: "Send on", by_rule: "As the service's rule says",
    pick_service: "Choose a service", reroute: "Re-route to another agency", to_agency: "Agency to send to",
    reroute_do: "Re-route", pick_agency: "Choose an agency", hold: "Hold at the secretariat",
    hold_reason: "Why it is taken from the agency", hold_do: "Hold",
    resolve: "Report the outcome",
    outcome: "Outcome", resolve_do: "Resolve", pick_outcome: "Choose an outcome",
    note: "Add a note", note_text: "Note (for staff, at most 1000 characters)",
    note_do: "Save the note", need_note: "Write the note.",
    triaged: "Sent on", withdrawn: "Taken from the agency", held: "Held by the secretariat",
    resolved: "Outcome reported", note_added: "Note",
    done_triaged: "The need was sent on.", done_withdrawn: "The referral was re-routed.",
    done_held: "The secretariat holds the referral.", done_resolved: "Outcome reported.",
    done_note: "Note saved.", kept_by_secretariat: "held by the secretariat",
    o_resolved: "Resolved", o_partially_resolved: "Partly resolved", o_unresolvable: "Cannot be resolved",
  },
};
const QUEUES = ["waiting", "overdue", "escalated"];
let lang = sessionStorage.getItem("console-lang") || "id";
let catalogue = { extensions: {}, reroutes: {}, outcomes: [], services: [], agencies: {} };
let current = null;
let works = false; // whether the reader works cases (the secretariat, the admin) or only notes
const OPEN = ["dispatched", "acknowledged", "in_progress"];

const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] || key;

function say(message, error = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", error);
}

function translate() {
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const other = lang === "id" ? "en" : "id";
  $("lang").textContent = other === "en" ? "English" : "Bahasa Indonesia";
  $("lang").lang = other;
  fillReasons();
}

function fill(id, first, options) {
  const select = $(id);
  const chosen = select.value;
  select.replaceChildren(new Option(first, ""), ...options.map(([v, label]) => new Option(label, v)));
  select.value = chosen;
}

function agencyName(code) {
  const names = catalogue.agencies[code];
  return names ? `${code} – ${names[lang]}` : code;
}

function fillReasons() {
  const labelled = (codes) => Object.entries(codes).map(([code, labels]) => [code, labels[lang]]);
  fill("x-reason", t("pick_reason"), labelled(catalogue.extensions));
  fill("r-reason", t("pick_reason"), labelled(catalogue.reroutes));
  fill("h-reason", t("pick_reason"), labelled(catalogue.reroutes));
  fill("t-service", t("pick_service"), catalogue.services.filter((c) => c !== "LAINNYA").map((c) => [c, c]));
  const agencies = Object.keys(catalogue.agencies).filter((c) => c !== "SLRT").map((c) => [c, agencyName(c)]);
  fill("t-agency", t("by_rule"), agencies);
  fill("r-agency", t("pick_agency"), agencies);
  fill("s-outcome", t("pick_outcome"), catalogue.outcomes.map((o) => [o, t(`o_${o}`)]));
}

async function api(path, options = {}) {
  const headers = {
    Authorization: `Bearer ${sessionStorage.getItem("console-token") || ""}`,
    "Accept-Language": lang,
    ...(options.body ? { "Content-Type": "application/json" } : {}),
  };
  const answer = await fetch(path, { ...options, headers });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const error = new Error(body.error ? body.error.message : String(answer.status));
    error.status = answer.status;
    throw error;
  }
  return body;
}

function when(iso) {
  return new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", {
    timeZone: "Asia/Jakarta", dateStyle: "medium", timeStyle: "short",
  });
}

function row(item) {
  const li = document.createElement("li");
  const late = new Date(item.due_at) < new Date();
  const label = document.createElement("span");
  label.textContent = `${item.ticket} · ${item.service_code} → ${item.agency_code} · ${item.village_code}`;
  const due = document.createElement("span");
  due.className = late ? "late" : "muted";
  due.textContent = `${t("due")}: ${when(item.due_at)}${late ? ` (${t("late")})` : ""}`;
  const open = document.createElement("button");
  open.type = "button";
  open.textContent = t("open");
  open.setAttribute("aria-label", `${t("open")} ${item.ticket} ${item.service_code}`);
  open.addEventListener("click", () => show(item.referral_id));
  li.append(label, due, open);
  return li;
}

async function load() {
  say(t("loading"));
  const queues = await api("/v1/console/queues");
  works = "waiting" in queues;
  for (const name of QUEUES) {
    const section = $(`q-${name}`);
    section.hidden = !(name in queues);
    const list = section.querySelector("ul");
    const items = queues[name] || [];
    list.replaceChildren(...items.map(row));
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = t("empty");
      list.append(li);
    }
  }
  say("");
}

function fact(term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  return [dt, dd];
}

function entry(a) {
  const li = document.createElement("li");
  let what = t(a.action);
  if (a.action === "due_extended") {
    const reason = catalogue.extensions[a.reason_code];
    what += ` → ${when(a.due_after)} (${reason ? reason[lang] : a.reason_code})`;
  } else if (a.action === "triaged") {
    what += ` → ${a.service_code} · ${agencyName(a.to_agency_code)}`;
  } else if (a.action === "withdrawn") {
    const reason = catalogue.reroutes[a.reason_code];
    const to = a.to_agency_code ? agencyName(a.to_agency_code) : t("kept_by_secretariat");
    what += ` → ${to} (${reason ? reason[lang] : a.reason_code})`;
  } else if (a.action === "resolved") {
    what += `: ${t(`o_${a.outcome}`)}`;
  }
  li.textContent = `${when(a.at)}: ${what}, ${t("by")} ${a.by_name}`;
  if (a.note) {
    const text = document.createElement("span");
    text.className = "note-text";
    text.textContent = a.note;
    li.append(text);
  }
  return li;
}

async function show(referralId) {
  const referral = await api(`/v1/referrals/${referralId}`);
  const kase = await api(`/v1/cases/${referral.complaint_id}`);
  current = referral;
  for (const name of QUEUES) $(`q-${name}`).hidden = true;
  $("detail").hidden = false;
  $("detail-title").textContent = `${kase.ticket} · ${referral.service_code} → ${referral.agency_code}`;
  $("facts").replaceChildren(
    ...fact(t("status"), referral.status),
    ...fact(t("agency"), agencyName(referral.agency_code)),
    ...fact(t("due"), when(referral.due_at)),
    ...fact(t("level"), referral.escalation_level || "–"),
  );
  const open = OPEN.includes(referral.status) && referral.current;
  const atSecretariat = referral.agency_code === "SLRT";
  $("triage-form").hidden = !(works && open && atSecretariat);
  $("reroute-form").hidden = !(works && open);
  $("extend-form").hidden = !(works && open);
  $("hold-form").hidden = !(works && open && !(atSecretariat && referral.status === "in_progress"));
  $("h-reason").closest(".field").hidden = atSecretariat;
  $("resolve-form").hidden = !(works && open && atSecretariat);
  const history = kase.actions.map(entry);
  if (!history.length) {
    const li = document.createElement("li");
    li.textContent = t("no_history");
    history.push(li);
  }
  $("history").replaceChildren(...history);
  $("detail-title").focus();
}

async function extend(event) {
  event.preventDefault();
  const date = $("x-date").value;
  if (!date) return say(t("need_date"), true);
  try {
    await api(`/v1/referrals/${current.referral_id}/extend`, {
      method: "POST",
      body: JSON.stringify({ due_at: `${date}T23:59:59+07:00`, reason_code: $("x-reason").value }),
    });
    await show(current.referral_id);
    say(t("extended"));
  } catch (error) {
    say(error.message, true);
  }
}

// An action of the console: post it, then show the referral that follows it (or the same one).
function action(form, path, body, done) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = body();
    if (!payload) return;
    try {
      const worked = await api(`/v1/referrals/${current.referral_id}/${path}`, {
        method: "POST",
        body: JSON.stringify(payload),
      });
      $(form).reset();
      await show((worked.next_referral || worked.referral).referral_id);
      say(t(done));
    } catch (error) {
      say(error.message, true);
    }
  });
}

function wireActions() {
  action("triage-form", "triage", () => ({
    service_code: $("t-service").value,
    agency_code: $("t-agency").value || null,
  }), "done_triaged");
  action("reroute-form", "reroute", () => ({
    agency_code: $("r-agency").value,
    reason_code: $("r-reason").value,
  }), "done_withdrawn");
  action("hold-form", "hold", () => ({ reason_code: $("h-reason").value || null }), "done_held");
  action("resolve-form", "resolve", () => ({ outcome: $("s-outcome").value }), "done_resolved");
  action("note-form", "note", () => {
    const text = $("n-text").value;
    if (!text.trim()) {
      say(t("need_note"), true);
      return null;
    }
    return { text };
  }, "done_note");
}

async function signedIn() {
  try {
    await load();
    $("signin").hidden = true;
    $("app").hidden = false;
    $("signout").hidden = false;
    return true;
  } catch (error) {
    sessionStorage.removeItem("console-token");
    say(error.message, true);
    return false;
  }
}

async function start() {
  catalogue = await (await fetch("/console/catalogue.json")).json();
  translate();
  $("lang").addEventListener("click", async () => {
    lang = lang === "id" ? "en" : "id";
    sessionStorage.setItem("console-lang", lang);
    translate();
    if (!$("app").hidden) {
      if (current && !$("detail").hidden) await show(current.referral_id);
      else await load();
    }
  });
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem("console-token", $("token").value.trim());
    $("token").value = "";
    if (await signedIn()) say(t("signed_in"));
  });
  $("signout").addEventListener("click", () => {
    sessionStorage.removeItem("console-token");
    location.reload();
  });
  $("extend-form").addEventListener("submit", extend);
  wireActions();
  $("back").addEventListener("click", async () => {
    $("detail").hidden = true;
    current = null;
    await load();
  });
  if (sessionStorage.getItem("console-token")) await signedIn();
}

start();
