// The agency desk. Everything it shows comes from the gateway's own API, called with the
// person's staff token as a bearer header. The token lives in this tab's sessionStorage only:
// no cookie, so a page of another site cannot make the browser send it (no CSRF), and it is
// gone when the tab closes. Data is written with textContent only, never as HTML.
"use strict";

(function () {
  const TOKEN = "slrt-desk-token";
  const LANG = "slrt-desk-lang";
  const TEXT = {
    id: {
      title: "Meja Instansi SLRT", signout: "Keluar", signin_title: "Masuk",
      signin_help: "Masukkan token petugas yang diberikan admin SLRT. Token disimpan hanya di tab ini dan hilang saat tab ditutup.",
      token: "Token petugas", signin: "Masuk", inbox: "Kotak masuk", status: "Status", all: "Semua",
      st_dispatched: "Baru", st_acknowledged: "Diterima", st_in_progress: "Dikerjakan",
      st_rejected: "Ditolak", st_resolved: "Selesai", st_withdrawn: "Dialihkan sekretariat",
      service: "Layanan", village: "Kode desa",
      due_before: "Jatuh tempo sebelum", overdue: "Terlambat", escalated: "Dieskalasi",
      apply: "Terapkan", export: "Unduh CSV", ack_selected: "Terima yang dipilih",
      empty: "Tidak ada rujukan.", more: "Muat lebih banyak", resident: "Data warga",
      need_detail: "Rincian kebutuhan", timeline: "Riwayat", actions: "Tindakan",
      viewer_note: "Peran Anda hanya membaca: tindakan tidak tersedia.",
      note: "Catatan (opsional)", acknowledge: "Terima", progress: "Laporkan kemajuan",
      reason_code: "Alasan penolakan", reject_note: "Keterangan", reject: "Tolak",
      outcome: "Hasil", resolve_note: "Catatan hasil", resolve: "Selesaikan",
      back: "Kembali ke kotak masuk", lang_switch: "English",
      selected: (n) => n + " dipilih", pick: (t) => "Pilih " + t,
      left: (d) => "sisa " + d, late: (d) => "terlambat " + d,
      days: (n) => n + " hari", hours: (n) => n + " jam", minutes: (n) => n + " menit",
      due: "Jatuh tempo", ticket: "Tiket", attempt: "Percobaan", dispatched_at: "Dikirim",
      escalation: "Eskalasi", esc_kecamatan: "kecamatan", esc_kabupaten: "kabupaten",
      outcome_label: "Hasil", reason_label: "Alasan",
      nik: "NIK", name: "Nama", phone: "Telepon", address: "Alamat", description: "Uraian keluhan",
      erased: "Data pribadi warga sudah dihapus.", not_yet: "Data warga belum tiba di gateway.",
      nothing_disclosed: "Layanan ini tidak membuka data warga kepada instansi.",
      ev_dispatched: "Dikirim ke instansi", ev_acknowledge: "Diterima", ev_progress: "Kemajuan dilaporkan",
      ev_reject: "Ditolak", ev_resolve: "Diselesaikan", ev_escalated: "Dieskalasi ke",
      ev_withdrawn: "Dialihkan oleh sekretariat SLRT", ev_due_extended: "Tenggat diperpanjang oleh sekretariat SLRT",
      withdrawn_note: "Sekretariat SLRT telah mengalihkan rujukan ini dari instansi Anda: tidak ada tindakan lagi.",
      by: "oleh", by_key: "oleh sistem instansi (kunci API)",
      done: (n) => n + " rujukan diperbarui.", failed: (n) => n + " tindakan gagal.",
      signed_in: (w) => "Masuk sebagai " + w, bad_token: "Token tidak dikenal atau sudah dicabut.",
      loading: "Memuat…", role_officer: "petugas", role_viewer: "pembaca", role_supervisor: "penyelia",
      role_key: "kunci sistem", pick_reason: "Pilih alasan", pick_outcome: "Pilih hasil",
    },
    en: {
      title: "SLRT Agency Desk", signout: "Sign out", signin_title: "Sign in",
      signin_help: "Enter the staff token the SLRT admin gave you. It is kept in this tab only and is gone when the tab closes.",
      token: "Staff token", signin: "Sign in", inbox: "Inbox", status: "Status", all: "All",
      st_dispatched: "New", st_acknowledged: "Acknowledged", st_in_progress: "In progress",
      st_rejected: "Rejected", st_resolved: "Resolved", st_withdrawn: "Withdrawn by the secretariat",
      service: "Service", village: "Village code",
      due_before: "Due before", overdue: "Overdue", escalated: "Escalated",
      apply: "Apply", export: "Download CSV", ack_selected: "Acknowledge selected",
      empty: "No referrals.", more: "Load more", resident: "Resident's data",
      need_detail: "Need detail", timeline: "History", actions: "Actions",
      viewer_note: "Your role only reads: no actions are available.",
      note: "Note (optional)", acknowledge: "Acknowledge", progress: "Report progress",
      reason_code: "Reason for rejecting", reject_note: "Explanation", reject: "Reject",
      outcome: "Outcome", resolve_note: "Outcome note", resolve: "Resolve",
      back: "Back to the inbox", lang_switch: "Bahasa Indonesia",
      selected: (n) => n + " selected", pick: (t) => "Select " + t,
      left: (d) => d + " left", late: (d) => d + " overdue",
      days: (n) => n + (n === 1 ? " day" : " days"), hours: (n) => n + " h", minutes: (n) => n + " min",
      due: "Due", ticket: "Ticket", attempt: "Attempt", dispatched_at: "Dispatched",
      escalation: "Escalation", esc_kecamatan: "kecamatan", esc_kabupaten: "kabupaten",
      outcome_label: "Outcome", reason_label: "Reason",
      nik: "NIK", name: "Name", phone: "Phone", address: "Address", description: "Complaint",
      erased: "The resident's personal data has been erased.", not_yet: "The resident's data has not reached the gateway yet.",
      nothing_disclosed: "This service discloses no resident data to agencies.",
      ev_dispatched: "Sent to the agency", ev_acknowledge: "Acknowledged", ev_progress: "Progress reported",
      ev_reject: "Rejected", ev_resolve: "Resolved", ev_escalated: "Escalated to",
      ev_withdrawn: "Withdrawn by the SLRT secretariat", ev_due_extended: "Due date extended by the SLRT secretariat",
      withdrawn_note: "The SLRT secretariat has withdrawn this referral from your agency: no further action.",
      by: "by", by_key: "by the agency's system (API key)",
      done: (n) => n + " referral(s) updated.", failed: (n) => n + " action(s) failed.",
      signed_in: (w) => "Signed in as " + w, bad_token: "Unknown or revoked token.",
      loading: "Loading…", role_officer: "officer", role_viewer: "viewer", role_supervisor: "supervisor",
      role_key: "system key", pick_reason: "Choose a reason", pick_outcome: "Choose an outcome",
    },
  };
  const OPEN = ["dispatched", "acknowledged", "in_progress"];

  let lang = sessionStorage.getItem(LANG) === "en" ? "en" : "id";
  let me = null;
  let catalogue = { reasons: {}, outcomes: {}, reroutes: {} };
  let items = [];
  let nextCursor = null;
  let current = null;
  const selected = new Set();

  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[lang][key];

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function say(message, error) {
    const box = $("status");
    box.textContent = message || "";
    box.classList.toggle("error", Boolean(error));
  }

  async function api(path, options) {
    const opts = options || {};
    const headers = Object.assign(
      { Authorization: "Bearer " + sessionStorage.getItem(TOKEN), "Accept-Language": lang },
      opts.headers || {}
    );
    const response = await fetch(path, Object.assign({}, opts, { headers }));
    if (response.status === 401) {
      signOut();
      say(t("bad_token"), true);
      throw new Error("unauthenticated");
    }
    return response;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      return (body.error && body.error.message) || response.statusText;
    } catch (e) {
      return response.statusText;
    }
  }

  // ---- language ----
  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) {
      const value = t(node.dataset.i18n);
      if (typeof value === "string") node.textContent = value;
    }
    const switcher = $("lang");
    switcher.textContent = t("lang_switch");
    switcher.lang = lang === "id" ? "en" : "id";
    fillChoices();
    showWho();
    if (me) {
      renderList();
      if (current) renderDetail(current.referral, current.timeline);
    }
  }

  function fillChoices() {
    const fill = (select, entries, prompt) => {
      const value = select.value;
      select.replaceChildren(el("option", { value: "", textContent: prompt }));
      for (const [code, labels] of Object.entries(entries)) {
        select.append(el("option", { value: code, textContent: labels[lang] }));
      }
      select.value = value;
    };
    fill($("reason-code"), catalogue.reasons, t("pick_reason"));
    fill($("outcome"), catalogue.outcomes, t("pick_outcome"));
  }

  function showWho() {
    if (!me) return;
    const role = me.role ? t("role_" + me.role) : t("role_key");
    $("who").textContent = t("signed_in")((me.name || me.agency_code) + " · " + me.agency_code + " · " + role);
  }

  // ---- signing in and out ----
  async function signIn(token) {
    sessionStorage.setItem(TOKEN, token);
    const response = await api("/v1/me");
    if (!response.ok) {
      say(await errorText(response), true);
      return;
    }
    me = await response.json();
    $("signin").hidden = true;
    $("app").hidden = false;
    $("who").hidden = false;
    $("signout").hidden = false;
    $("export").hidden = !me.may_export;
    showWho();
    say("");
    await loadList(false);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN);
    me = null;
    items = [];
    current = null;
    selected.clear();
    $("app").hidden = true;
    $("who").hidden = true;
    $("signout").hidden = true;
    $("signin").hidden = false;
    $("detail").hidden = true;
    $("inbox").hidden = false;
    $("token").value = "";
  }

  // ---- the inbox ----
  function filterQuery() {
    const form = $("filters");
    const query = new URLSearchParams({ limit: "50" });
    for (const name of ["status", "service", "village"]) {
      const value = form.elements[name].value.trim();
      if (value) query.set(name, value);
    }
    // The inbox leaves out what the secretariat withdrew; the status filter still finds it.
    if (!form.elements.status.value) query.set("without_withdrawn", "true");
    const due = form.elements.due_before.value;
    if (due) query.set("due_before", new Date(due + "T00:00:00").toISOString());
    if (form.elements.overdue.checked) query.set("overdue", "true");
    if (form.elements.escalated.checked) query.set("escalated", "true");
    return query;
  }

  async function loadList(more) {
    const query = filterQuery();
    if (more && nextCursor) query.set("cursor", nextCursor);
    const response = await api("/v1/referrals?" + query.toString());
    if (!response.ok) {
      say(await errorText(response), true);
      return;
    }
    const page = await response.json();
    items = more ? items.concat(page.items) : page.items;
    nextCursor = page.next_cursor;
    if (!more) selected.clear();
    renderList();
  }

  function span(text, className) {
    return el("span", { textContent: text, className: className || "" });
  }

  function duration(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    if (days > 0) return t("days")(days) + " " + t("hours")(hours);
    if (hours > 0) return t("hours")(hours) + " " + t("minutes")(minutes % 60);
    return t("minutes")(minutes % 60);
  }

  function countdown(referral) {
    if (!OPEN.includes(referral.status)) return null;
    const node = span("", "due");
    node.dataset.due = referral.due_at;
    tickOne(node);
    return node;
  }

  function tickOne(node) {
    const left = new Date(node.dataset.due).getTime() - Date.now();
    node.textContent = left >= 0 ? t("left")(duration(left)) : t("late")(duration(left));
    node.classList.toggle("late", left < 0);
  }

  function dateText(iso) {
    return new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", {
      dateStyle: "medium", timeStyle: "short",
    });
  }

  function renderList() {
    const list = $("list");
    list.replaceChildren();
    const services = new Set();
    for (const r of items) {
      services.add(r.service_code);
      const pick = el("input", {
        type: "checkbox",
        checked: selected.has(r.referral_id),
        disabled: !me.may_act || r.status !== "dispatched",
      });
      pick.setAttribute("aria-label", t("pick")(r.ticket + " " + r.service_code));
      pick.dataset.referral = r.referral_id;
      pick.addEventListener("change", () => {
        if (pick.checked) selected.add(r.referral_id);
        else selected.delete(r.referral_id);
        renderSelection();
      });
      const late = OPEN.includes(r.status) && new Date(r.due_at).getTime() < Date.now();
      const open = el(
        "button",
        { type: "button", className: "open" },
        el(
          "span",
          { className: "line" },
          span(r.ticket, "ticket"),
          span(r.service_code),
          span(t("st_" + r.status), "badge" + (late ? " late" : "")),
          r.escalation_level ? span(t("escalation") + ": " + t("esc_" + r.escalation_level), "badge esc") : null
        ),
        el(
          "span",
          { className: "line" },
          span(t("village") + " " + r.village_code),
          span(t("due") + " " + dateText(r.due_at)),
          countdown(r)
        )
      );
      open.dataset.referral = r.referral_id;
      open.addEventListener("click", () => openReferral(r.referral_id));
      list.append(el("li", { className: "card" }, el("span", { className: "pick" }, pick), open));
    }
    const datalist = $("services");
    datalist.replaceChildren(...[...services].sort().map((s) => el("option", { value: s })));
    $("empty").hidden = items.length > 0;
    $("more").hidden = !nextCursor;
    renderSelection();
  }

  function renderSelection() {
    $("ack-selected").disabled = selected.size === 0 || !me || !me.may_act;
    $("selected-count").textContent = selected.size ? t("selected")(selected.size) : "";
  }

  // ---- one referral ----
  async function openReferral(id) {
    const [one, steps] = await Promise.all([
      api("/v1/referrals/" + id),
      api("/v1/referrals/" + id + "/timeline"),
    ]);
    if (!one.ok) {
      say(await errorText(one), true);
      return;
    }
    const referral = await one.json();
    const timeline = steps.ok ? await steps.json() : [];
    if (!current || current.referral.referral_id !== id) {
      // Another referral: nothing typed for the one before is carried over.
      for (const form of ["act-note", "act-reject", "act-resolve"]) $(form).reset();
    }
    current = { referral, timeline };
    renderDetail(referral, timeline);
    $("detail").hidden = false;
    if (window.matchMedia("(max-width: 899px)").matches) $("inbox").hidden = true;
    $("detail-title").focus();
  }

  // A rejection's reason, or the secretariat's reason for a withdrawal, in the desk's language.
  function reasonText(code) {
    if (!code) return null;
    const known = catalogue.reasons[code] || (catalogue.reroutes || {})[code];
    return known ? known[lang] : code;
  }

  function facts(target, pairs) {
    target.replaceChildren();
    for (const [label, value] of pairs) {
      if (value === null || value === undefined || value === "") continue;
      target.append(el("dt", { textContent: label }), el("dd", { textContent: String(value) }));
    }
  }

  function renderDetail(r, timeline) {
    $("detail-title").textContent = r.ticket + " · " + r.service_code;
    facts($("facts"), [
      [t("status"), t("st_" + r.status)],
      [t("village"), r.village_code],
      [t("attempt"), r.attempt],
      [t("dispatched_at"), dateText(r.dispatched_at)],
      [t("due"), dateText(r.due_at) + (countdown(r) ? " (" + countdown(r).textContent + ")" : "")],
      [t("escalation"), r.escalation_level ? t("esc_" + r.escalation_level) : null],
      [t("outcome_label"), r.outcome ? catalogue.outcomes[r.outcome][lang] : null],
      [t("reason_label"), reasonText(r.reason_code)],
      [t("note"), r.note],
    ]);
    const resident = r.resident || {};
    facts($("resident"), ["nik", "name", "phone", "address", "description"].map((k) => [t(k), resident[k]]));
    const noResident = $("no-resident");
    const shown = Object.values(resident).some((v) => v);
    noResident.hidden = shown;
    noResident.textContent = r.personal_data_erased ? t("erased") : r.resident ? t("nothing_disclosed") : t("not_yet");
    // The need's own detail, when the referral carries one.
    $("need-detail-box").hidden = !r.need_detail;
    $("need-detail").textContent = r.need_detail || "";
    const steps = $("timeline");
    steps.replaceChildren();
    for (const step of timeline) {
      let what = t("ev_" + step.kind);
      if (step.kind === "escalated") what += " " + t("esc_" + step.escalation_level);
      if (step.outcome) what += ": " + catalogue.outcomes[step.outcome][lang];
      if (step.reason_code && reasonText(step.reason_code) !== step.reason_code) what += ": " + reasonText(step.reason_code);
      // The secretariat's steps name no person of the agency.
      const who = ["dispatched", "escalated", "withdrawn", "due_extended"].includes(step.kind)
        ? ""
        : step.account_name ? " " + t("by") + " " + step.account_name : " " + t("by_key");
      steps.append(el("li", { textContent: (step.at ? dateText(step.at) + " · " : "") + what + who }));
    }
    // A withdrawn referral is no longer the agency's to act on.
    const withdrawn = r.status === "withdrawn";
    const canAct = me.may_act && !withdrawn;
    $("viewer-note").hidden = me.may_act || withdrawn;
    $("withdrawn-note").hidden = !withdrawn;
    for (const form of ["act-note", "act-reject", "act-resolve"]) $(form).hidden = !canAct;
    refreshButtons();
  }

  // Each button allowed only where the referral's status allows its action.
  function refreshButtons() {
    renderSelection();
    if (!current) return;
    const status = current.referral.status;
    $("do-acknowledge").disabled = status !== "dispatched";
    $("do-progress").disabled = !["acknowledged", "in_progress"].includes(status);
    $("do-reject").disabled = !OPEN.includes(status);
    $("do-resolve").disabled = !OPEN.includes(status);
  }

  // ---- actions: each click sends one request under a key of its own ----
  async function act(id, action, body) {
    const response = await api("/v1/referrals/" + id + "/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify(body || {}),
    });
    return response.ok ? null : await errorText(response);
  }

  async function withButton(button, work) {
    if (button.disabled) return;
    button.disabled = true;  // a second click while the first is on its way does nothing
    say("");
    try {
      await work();
    } finally {
      button.disabled = false;
      refreshButtons();
    }
  }

  async function actOnCurrent(button, action, body) {
    await withButton(button, async () => {
      const problem = await act(current.referral.referral_id, action, body);
      say(problem || t("done")(1), Boolean(problem));
      await Promise.all([loadList(false), openReferral(current.referral.referral_id)]);
    });
  }

  function optional(text) {
    const value = text.trim();
    return value ? value : null;
  }

  function wire() {
    $("lang").addEventListener("click", () => {
      lang = lang === "id" ? "en" : "id";
      sessionStorage.setItem(LANG, lang);
      say("");
      applyLanguage();
    });
    $("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (token) signIn(token).catch(() => {});
    });
    $("signout").addEventListener("click", () => { signOut(); say(""); });
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      loadList(false).catch(() => {});
    });
    $("more").addEventListener("click", () => loadList(true).catch(() => {}));
    $("back").addEventListener("click", () => {
      $("detail").hidden = true;
      $("inbox").hidden = false;
      current = null;
    });
    $("ack-selected").addEventListener("click", (event) => {
      withButton(event.currentTarget, async () => {
        const ids = [...selected];
        const problems = (await Promise.all(ids.map((id) => act(id, "acknowledge", {})))).filter(Boolean);
        say(problems.length ? t("failed")(problems.length) + " " + problems[0] : t("done")(ids.length), problems.length > 0);
        await loadList(false);
        if (current) await openReferral(current.referral.referral_id);
      }).catch(() => {});
    });
    $("do-acknowledge").addEventListener("click", (event) => {
      actOnCurrent(event.currentTarget, "acknowledge", { note: optional($("note").value) }).catch(() => {});
    });
    $("do-progress").addEventListener("click", (event) => {
      actOnCurrent(event.currentTarget, "progress", { note: optional($("note").value) }).catch(() => {});
    });
    $("act-reject").addEventListener("submit", (event) => {
      event.preventDefault();
      const code = $("reason-code").value;
      if (!code) { say(t("pick_reason"), true); $("reason-code").focus(); return; }
      actOnCurrent($("do-reject"), "reject", { reason_code: code, reason: optional($("reject-note").value) }).catch(() => {});
    });
    $("act-resolve").addEventListener("submit", (event) => {
      event.preventDefault();
      const outcome = $("outcome").value;
      if (!outcome) { say(t("pick_outcome"), true); $("outcome").focus(); return; }
      actOnCurrent($("do-resolve"), "resolve", { outcome, note: optional($("resolve-note").value) }).catch(() => {});
    });
    $("export").addEventListener("click", (event) => {
      withButton(event.currentTarget, async () => {
        const response = await api("/v1/referrals.csv");
        if (!response.ok) { say(await errorText(response), true); return; }
        const url = URL.createObjectURL(await response.blob());
        const link = el("a", { href: url, download: "rujukan-" + me.agency_code + ".csv" });
        document.body.append(link);
        link.click();
        link.remove();
        URL.revokeObjectURL(url);
      }).catch(() => {});
    });
    // The countdowns move on while the desk is open.
    // Only the countdowns' text changes: the list is not redrawn under the person's focus.
    setInterval(() => { document.querySelectorAll("#list .due").forEach(tickOne); }, 30000);
  }

  async function start() {
    wire();
    const response = await fetch("/desk/catalogue.json");
    catalogue = await response.json();
    applyLanguage();
    const token = sessionStorage.getItem(TOKEN);
    if (token) await signIn(token).catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => { start(); });
})();
