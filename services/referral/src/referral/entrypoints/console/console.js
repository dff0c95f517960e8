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
  },
};
const QUEUES = ["waiting", "overdue", "escalated"];
let lang = sessionStorage.getItem("console-lang") || "id";
let catalogue = { extensions: {} };
let current = null;

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

function fillReasons() {
  const select = $("x-reason");
  const chosen = select.value;
  select.replaceChildren(new Option(t("pick_reason"), ""));
  for (const [code, labels] of Object.entries(catalogue.extensions)) {
    select.append(new Option(labels[lang], code));
  }
  select.value = chosen;
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

async function show(referralId) {
  const referral = await api(`/v1/referrals/${referralId}`);
  current = referral;
  for (const name of QUEUES) $(`q-${name}`).hidden = true;
  $("detail").hidden = false;
  $("detail-title").textContent = `${referral.service_code} → ${referral.agency_code}`;
  $("facts").replaceChildren(
    ...fact(t("status"), referral.status),
    ...fact(t("due"), when(referral.due_at)),
    ...fact(t("level"), referral.escalation_level || "–"),
  );
  const history = referral.actions.map((a) => {
    const li = document.createElement("li");
    const reason = catalogue.extensions[a.reason_code];
    li.textContent = `${when(a.at)}: ${t(a.action)} → ${when(a.due_after)}`
      + ` (${reason ? reason[lang] : a.reason_code}), ${t("by")} ${a.by_name}`;
    return li;
  });
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
  $("back").addEventListener("click", async () => {
    $("detail").hidden = true;
    current = null;
    await load();
  });
  if (sessionStorage.getItem("console-token")) await signedIn();
}

start();
