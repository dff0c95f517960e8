// The Puskesos desk app: sign-in with the operator token once, a PIN after; complaints kept
// encrypted on the device (AES-GCM, key from the PIN by PBKDF2) until the batch endpoint has them.
const DB_NAME = "slrt-desk";
const PBKDF2_ITERATIONS = 250000;
const BATCH_MAX = 200;
const LOW_STORAGE_BYTES = 2 * 1024 * 1024;

const T = {
  id: {
    nav_proposals: "Usulan DTSEN", proposals_title: "Usulan data DTSEN",
    proposals_help: "Usulan hasil musyawarah desa: keluarga baru, perubahan data, atau penghapusan. Hanya dapat dikirim saat daring.",
    p_kind: "Jenis usulan", p_reason: "Alasan penghapusan", p_date: "Tanggal musyawarah desa", p_household: "Keluarga",
    p_kk: "Nomor KK", p_nik: "NIK kepala keluarga", p_name: "Nama kepala keluarga",
    p_detail: "Rincian usulan (wajib untuk perubahan)", p_send: "Kirim usulan", p_list: "Usulan desa",
    p_offline: "Usulan DTSEN hanya dapat dikirim saat daring.", p_sent: "Usulan terkirim: {ticket}.",
    p_none: "Belum ada usulan.", p_stage: "Tahap {index}/{total}: {code}", p_waiting: "perlu dilengkapi",
    p_accepted: "diterima", p_rejected: "ditolak", p_deliberation: "Musyawarah desa",
    skip: "Langsung ke isi", title: "SLRT Puskesos", nav_form: "Pengaduan baru", nav_list: "Daftar desa",
    nav_waiting: "Menunggu dikirim", signout: "Keluar", update_ready: "Versi baru aplikasi tersedia.",
    update_now: "Muat ulang", signin_title: "Masuk di perangkat ini",
    signin_help: "Masukkan token operator sekali di perangkat ini, lalu buat PIN untuk membuka aplikasi.",
    token: "Token operator", pin_new: "PIN baru (6 angka atau lebih)", pin_again: "Ulangi PIN", signin: "Masuk",
    unlock_title: "Buka dengan PIN", pin: "PIN", unlock: "Buka", retoken_title: "Token baru",
    retoken_help: "Token perangkat ini tidak berlaku lagi. Pengaduan yang belum terkirim tetap tersimpan. Masukkan token operator yang baru.",
    save_token: "Simpan token", form_title: "Pengaduan baru", resident: "Warga", name: "Nama",
    phone: "Nomor HP (boleh kosong)", address: "Alamat (boleh kosong)", needs: "Kebutuhan layanan",
    description: "Uraian masalah", channel: "Saluran", save: "Simpan pengaduan", waiting_title: "Menunggu dikirim",
    sync_now: "Kirim sekarang", sent_title: "Terkirim dari perangkat ini", list_title: "Pengaduan desa",
    ticket_search: "Cari tiket", status: "Status", any_status: "Semua", st_received: "Diterima",
    st_referred: "Dirujuk", st_in_progress: "Diproses", st_closed: "Selesai", from: "Dari tanggal",
    to: "Sampai tanggal", filter: "Tampilkan", more: "Muat lagi", receipt: "Tanda terima", back: "Kembali",
    receipt_title: "Tanda terima pengaduan", date: "Tanggal", follow: "Cara memantau",
    follow_help: "Pindai kode QR atau buka tautan ini dengan nomor tiket:", print: "Cetak",
    next_complaint: "Pengaduan berikutnya", detail_for: "Rincian kebutuhan (boleh kosong)",
    online: "Daring", offline: "Luring: pengaduan disimpan di perangkat",
    ch_walk_in: "Datang langsung", ch_phone: "Telepon", ch_home_visit: "Kunjungan rumah", ch_outreach: "Jemput bola",
    pin_short: "PIN paling sedikit 6 angka.", pin_mismatch: "Kedua PIN tidak sama.", pin_wrong: "PIN salah.",
    token_required: "Isi token operator.", no_network: "Tidak ada jaringan: coba lagi saat daring.",
    not_operator: "Aplikasi ini untuk operator Puskesos desa.",
    nik_facts: "Wilayah {region} · lahir {born}, {sex}", female: "perempuan", male: "laki-laki",
    outside: "di luar wilayah layanan",
    waiting_badge: "menunggu dikirim", rejected_badge: "ditolak: perbaiki lalu kirim ulang",
    fix: "Perbaiki", fixing: "Memperbaiki pengaduan yang ditolak. Simpan untuk mengirim ulang.",
    saved_waiting: "Pengaduan disimpan di perangkat (terenkripsi) dan menunggu dikirim.",
    sending: "Mengirim…", sent_n: "Terkirim: {n} baru, {e} sudah ada, {r} ditolak.",
    send_failed: "Pengiriman gagal ({why}); pengaduan tetap tersimpan dan dikirim lagi nanti.",
nothing_waiting: "Tidak ada pengaduan yang menunggu.",
    revoked: "Token operator tidak berlaku lagi (mungkin dicabut). Pengaduan yang belum terkirim tetap tersimpan di perangkat sampai Anda masuk dengan token yang sah.",
    retoken_go: "Masukkan token baru", created: "dibuat", existing: "sudah ada",
    duplicates: "Mungkin duplikat: warga ini punya pengaduan terbuka dengan kebutuhan yang sama:",
    storage_low: "Penyimpanan perangkat hampir penuh ({free} tersisa). Kirim pengaduan yang menunggu atau kosongkan ruang sebelum mencatat lagi.",
    storage_full: "Penyimpanan perangkat penuh: pengaduan ini BELUM tersimpan. Isian formulir tetap ada; kosongkan ruang lalu simpan lagi.",
    signout_confirm: "Keluar menghapus semua data di perangkat ini. {n} pengaduan belum terkirim akan hilang. Lanjutkan?",
    signout_confirm_none: "Keluar menghapus semua data di perangkat ini. Lanjutkan?",
    loading: "Memuat…", none_found: "Tidak ada pengaduan.", list_offline: "Daftar hanya tersedia saat daring.",
    received_at: "Diterima", recorded_at: "Dicatat", due: "Tenggat", overdue: "terlambat", escalated: "dieskalasi",
    timeline: "Riwayat", k_received: "Diterima", k_referred: "Dirujuk ke", k_acknowledged: "Diterima oleh",
    k_in_progress: "Diproses oleh", k_resolved: "Selesai oleh", k_rejected: "Ditolak oleh", k_escalated: "Dieskalasi",
    k_withdrawn: "Dialihkan oleh sekretariat", k_due_extended: "Tenggat diperpanjang",
    k_closed: "Ditutup", erased: "Data pribadi sudah dihapus.", village: "Desa", fix_fields: "Periksa isian yang ditandai.",
    error: "Terjadi kesalahan ({why}).", for_village: "Puskesos desa {name} ({code})",
    rs_dispatched: "dikirim", rs_acknowledged: "diterima", rs_in_progress: "diproses", rs_rejected: "ditolak", rs_resolved: "selesai",
  },
  en: {
    nav_proposals: "DTSEN proposals", proposals_title: "DTSEN data proposals",
    proposals_help: "Proposals agreed by the village deliberation: a new household, a change of data, or a removal. Sent only when online.",
    p_kind: "Kind of proposal", p_reason: "Reason for the removal", p_date: "Date of the village deliberation", p_household: "Household",
    p_kk: "KK number", p_nik: "NIK of the head of the household", p_name: "Name of the head of the household",
    p_detail: "Detail of the proposal (required for a change)", p_send: "Send the proposal", p_list: "The village's proposals",
    p_offline: "DTSEN proposals can be sent only when online.", p_sent: "Proposal sent: {ticket}.",
    p_none: "No proposals yet.", p_stage: "Stage {index}/{total}: {code}", p_waiting: "to be completed",
    p_accepted: "accepted", p_rejected: "rejected", p_deliberation: "Village deliberation",
    skip: "Skip to content", title: "SLRT Puskesos", nav_form: "New complaint", nav_list: "Village list",
    nav_waiting: "Waiting to be sent", signout: "Sign out", update_ready: "A new version of the app is ready.",
    update_now: "Reload", signin_title: "Sign in on this device",
    signin_help: "Enter the operator token once on this device, then set a PIN to open the app.",
    token: "Operator token", pin_new: "New PIN (6 digits or more)", pin_again: "Repeat the PIN", signin: "Sign in",
    unlock_title: "Open with your PIN", pin: "PIN", unlock: "Open", retoken_title: "New token",
    retoken_help: "This device's token is no longer valid. Complaints not yet sent stay on the device. Enter the new operator token.",
    save_token: "Save token", form_title: "New complaint", resident: "Resident", name: "Name",
    phone: "Mobile number (optional)", address: "Address (optional)", needs: "Needs",
    description: "Description of the problem", channel: "Channel", save: "Save complaint", waiting_title: "Waiting to be sent",
    sync_now: "Send now", sent_title: "Sent from this device", list_title: "The village's complaints",
    ticket_search: "Search a ticket", status: "Status", any_status: "All", st_received: "Received",
    st_referred: "Referred", st_in_progress: "In progress", st_closed: "Closed", from: "From",
    to: "To", filter: "Show", more: "Load more", receipt: "Receipt", back: "Back",
    receipt_title: "Complaint receipt", date: "Date", follow: "How to follow it",
    follow_help: "Scan the QR code or open this link with the ticket:", print: "Print",
    next_complaint: "Next complaint", detail_for: "Detail of this need (optional)",
    online: "Online", offline: "Offline: complaints are kept on the device",
    ch_walk_in: "Walk-in", ch_phone: "Phone", ch_home_visit: "Home visit", ch_outreach: "Outreach",
    pin_short: "The PIN has at least 6 digits.", pin_mismatch: "The two PINs differ.", pin_wrong: "Wrong PIN.",
    token_required: "Enter the operator token.", no_network: "No network: try again when online.",
    not_operator: "This app is for a village's Puskesos operator.",
    nik_facts: "Region {region} · born {born}, {sex}", female: "female", male: "male",
    outside: "outside the area served",
    waiting_badge: "waiting to be sent", rejected_badge: "rejected: fix and send again",
    fix: "Fix", fixing: "Fixing a rejected complaint. Save to send it again.",
    saved_waiting: "Complaint saved on the device (encrypted), waiting to be sent.",
    sending: "Sending…", sent_n: "Sent: {n} new, {e} already there, {r} rejected.",
    send_failed: "Sending failed ({why}); the complaints stay on the device and are sent later.",
nothing_waiting: "No complaint is waiting.",
    revoked: "The operator token is no longer valid (it may have been revoked). Complaints not yet sent stay on the device until you sign in with a valid token.",
    retoken_go: "Enter a new token", created: "created", existing: "already there",
    duplicates: "Possible duplicate: this resident has open complaints with a same need:",
    storage_low: "The device's storage is almost full ({free} left). Send the waiting complaints or free space before recording more.",
    storage_full: "The device's storage is full: this complaint is NOT saved. The form keeps what you typed; free space and save again.",
    signout_confirm: "Signing out deletes all data on this device. {n} complaints not yet sent will be lost. Go on?",
    signout_confirm_none: "Signing out deletes all data on this device. Go on?",
    loading: "Loading…", none_found: "No complaints.", list_offline: "The list is available only online.",
    received_at: "Received", recorded_at: "Recorded", due: "Due", overdue: "overdue", escalated: "escalated",
    timeline: "Timeline", k_received: "Received", k_referred: "Referred to", k_acknowledged: "Acknowledged by",
    k_in_progress: "In progress at", k_resolved: "Resolved by", k_rejected: "Rejected by", k_escalated: "Escalated",
    k_withdrawn: "Re-routed by the secretariat", k_due_extended: "Due date extended",
    k_closed: "Closed", erased: "The personal data was erased.", village: "Village", fix_fields: "Check the marked fields.",
    error: "Something went wrong ({why}).", for_village: "Puskesos of {name} ({code})",
    rs_dispatched: "sent", rs_acknowledged: "acknowledged", rs_in_progress: "in progress", rs_rejected: "rejected", rs_resolved: "resolved",
  },
};

const state = {
  lang: localStorage.getItem("slrt-lang") === "en" ? "en" : "id",
  key: null, token: null, reference: null, editing: null, cursor: null, detail: null,
  checkTimer: null, checkSeq: 0, serverProblems: null,
};
const $ = (s) => document.querySelector(s);
const t = (k, v = {}) => (T[state.lang][k] ?? k).replace(/\{(\w+)\}/g, (_, n) => String(v[n] ?? ""));
const msg = (code) => state.reference?.messages?.[code]?.[state.lang] ?? code;
const channel = new BroadcastChannel("slrt-desk");

// ---- storage: IndexedDB ----
function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("meta");
      db.createObjectStore("outbox", { keyPath: "client_id" });
      db.createObjectStore("sent", { keyPath: "client_id" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
let dbPromise = openDb();
async function tx(store, mode, work) {
  const db = await dbPromise;
  return new Promise((resolve, reject) => {
    const x = db.transaction(store, mode);
    const result = work(x.objectStore(store));
    x.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    x.onerror = () => reject(x.error);
    x.onabort = () => reject(x.error);
  });
}
const get = (store, key) => tx(store, "readonly", (s) => s.get(key));
const all = (store) => tx(store, "readonly", (s) => s.getAll());
const put = (store, value, key) => tx(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
const del = (store, key) => tx(store, "readwrite", (s) => s.delete(key));

// ---- crypto: a key from the PIN, AES-GCM for everything personal ----
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
async function deriveKey(pin, salt) {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations: PBKDF2_ITERATIONS, hash: "SHA-256" },
    material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}
async function seal(value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, state.key, new TextEncoder().encode(JSON.stringify(value)));
  return { iv: b64(iv), ct: b64(data) };
}
async function open_(sealed, key = state.key) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(sealed.iv) }, key, unb64(sealed.ct));
  return JSON.parse(new TextDecoder().decode(plain));
}

// ---- talking to intake ----
class Revoked extends Error {}
const refusal = (err) => (err instanceof Revoked ? err.message : t("no_network"));
async function api(path, { method = "GET", body, token = state.token, timeout = 20000, headers = {} } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  try {
    const res = await fetch(path, {
      method, signal: ctrl.signal, cache: "no-store",
      headers: { Authorization: `Bearer ${token}`, "Accept-Language": state.lang, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401) throw new Revoked((await res.json().catch(() => null))?.error?.message ?? "HTTP 401");
    const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
    return { status: res.status, data };
  } finally {
    clearTimeout(timer);
  }
}

// ---- screens ----
function show(name) {
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== `view-${name}`; });
  $("#nav").hidden = !state.key || ["signin", "unlock"].includes(name);
  const heading = $(`#view-${name} h1`);
  if (heading) heading.focus();
  state.view = name;
}
function translate() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  const other = state.lang === "id" ? "en" : "id";
  $("#lang").textContent = other === "en" ? "English" : "Bahasa Indonesia";
  $("#lang").lang = other;
  network();
  if (state.reference) { renderNeeds(); renderChannels(); villageLine(); renderProposalOptions(); }
  if (state.key) { renderWaiting(); liveCheck(false); }
  if (state.key && state.view === "proposals") loadProposals();
}
function network() { $("#net").textContent = navigator.onLine ? t("online") : t("offline"); }
function banner(text, action) {
  const b = $("#banner");
  b.replaceChildren(document.createTextNode(text));
  if (action) {
    const btn = document.createElement("button");
    btn.type = "button"; btn.textContent = action.label; btn.addEventListener("click", action.run);
    b.append(" ", btn);
  }
  b.hidden = !text;
}
const fmtDate = (iso) => new Date(iso).toLocaleDateString(state.lang === "id" ? "id-ID" : "en-GB", { day: "numeric", month: "long", year: "numeric" });
const fmtTime = (iso) => new Date(iso).toLocaleString(state.lang === "id" ? "id-ID" : "en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
const serviceName = (code) => {
  const s = state.reference?.services.find((x) => x.code === code);
  return s ? s[state.lang === "id" ? "name_id" : "name_en"] : code;
};
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

// ---- sign-in, PIN, sign-out ----
async function start() {
  translate();
  const device = await get("meta", "device");
  state.reference = (await get("meta", "reference")) ?? null;
  await renderWaitingCount();
  if (!device) { show("signin"); return; }
  const waiting = (await all("outbox")).length;
  $("#unlock-who").textContent = device.label ?? "";
  $("#unlock-waiting").textContent = waiting ? `${waiting} ${t("waiting_badge")}` : "";
  show("unlock");
}
$("#signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = $("#token").value.trim(); const pin = $("#pin-new").value; const again = $("#pin-again").value;
  setErr("token", token ? "" : t("token_required"));
  setErr("pin-new", /^\d{6,}$/.test(pin) ? "" : t("pin_short"));
  setErr("pin-again", pin === again ? "" : t("pin_mismatch"));
  if (!token || !/^\d{6,}$/.test(pin) || pin !== again) return;
  let ref;
  try {
    ref = await api("/v1/desk/reference", { token });
  } catch (err) {
    setErr("token", refusal(err));
    return;
  }
  if (ref.data.caller.kind !== "operator") { setErr("token", t("not_operator")); return; }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  state.key = await deriveKey(pin, salt);
  state.token = token;
  const label = t("for_village", { name: ref.data.caller.village_name, code: ref.data.caller.village_code });
  await put("meta", { salt: b64(salt), token: await seal(token), label }, "device");
  await put("meta", ref.data, "reference");
  state.reference = ref.data;
  $("#signin").reset();
  navigator.storage?.persist?.();
  enter();
});
$("#unlock").addEventListener("submit", async (e) => {
  e.preventDefault();
  const device = await get("meta", "device");
  const key = await deriveKey($("#pin").value, unb64(device.salt));
  try {
    state.token = await open_(device.token, key);
  } catch {
    setErr("pin", t("pin_wrong")); $("#pin").select(); return;
  }
  state.key = key; setErr("pin", ""); $("#unlock").reset();
  enter();
  refreshReference();
});
$("#retoken").addEventListener("submit", async (e) => {
  e.preventDefault();
  const token = $("#token2").value.trim();
  if (!token) { setErr("token2", t("token_required")); return; }
  try {
    const ref = await api("/v1/desk/reference", { token });
    const device = await get("meta", "device");
    state.token = token;
    await put("meta", { ...device, token: await seal(token) }, "device");
    await put("meta", ref.data, "reference");
    state.reference = ref.data;
  } catch (err) {
    setErr("token2", refusal(err));
    return;
  }
  $("#retoken").reset(); banner("");
  show("waiting"); sync();
});
$("#signout").addEventListener("click", async () => {
  const n = (await all("outbox")).length;
  if (!confirm(n ? t("signout_confirm", { n }) : t("signout_confirm_none"))) return;
  (await dbPromise).close();
  await new Promise((r) => { const q = indexedDB.deleteDatabase(DB_NAME); q.onsuccess = q.onerror = q.onblocked = r; });
  for (const name of await caches.keys()) if (name.startsWith("slrt-desk-data")) await caches.delete(name);
  channel.postMessage("signed-out");
  location.reload();
});
function enter() {
  renderNeeds(); renderChannels(); villageLine(); renderWaiting();
  show("form");
  if (navigator.onLine) sync();
}
async function refreshReference() {
  if (!navigator.onLine) return; // offline, the device's copy is the catalogue
  try {
    const ref = await api("/v1/desk/reference");
    if (ref.status === 200) { state.reference = ref.data; await put("meta", ref.data, "reference"); renderNeeds(); renderChannels(); villageLine(); }
  } catch (err) { if (err instanceof Revoked) revoked(); }
}
function revoked() {
  banner(t("revoked"), { label: t("retoken_go"), run: () => show("retoken") });
}
function setErr(id, text) {
  const p = document.getElementById(`${id}-err`); if (p) p.textContent = text;
  const input = document.getElementById(id); if (input) input.setAttribute("aria-invalid", text ? "true" : "false");
}

// ---- the form ----
function villageLine() {
  const c = state.reference.caller;
  $("#form-village").textContent = t("for_village", { name: c.village_name, code: c.village_code });
}
function renderNeeds() {
  const box = $("#needs-list");
  const checked = new Set([...box.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value));
  const details = Object.fromEntries([...box.querySelectorAll("input[data-detail]")].map((i) => [i.dataset.detail, i.value]));
  box.replaceChildren(...state.reference.services.map((s, n) => {
    const id = `need-${n}`;
    const box = el("input", { type: "checkbox", id, value: s.code, name: "needs" });
    box.checked = checked.has(s.code);
    const detail = el("div", { class: "field" },
      el("label", { for: `${id}-d` }, `${t("detail_for")}: ${s[state.lang === "id" ? "name_id" : "name_en"]}`),
      el("input", { id: `${id}-d`, "data-detail": s.code, maxlength: "500", autocomplete: "off" }));
    detail.querySelector("input").value = details[s.code] ?? "";
    detail.hidden = !box.checked;
    box.addEventListener("change", () => { detail.hidden = !box.checked; liveCheck(true); });
    return el("div", { class: "need" }, el("div", { class: "need-head" }, box, el("label", { for: id }, s[state.lang === "id" ? "name_id" : "name_en"])), detail);
  }));
}
function renderChannels() {
  const sel = $("#f-channel"); const was = sel.value || "walk_in";
  sel.replaceChildren(...state.reference.channels.map((c) => el("option", { value: c }, t(`ch_${c}`))));
  sel.value = was;
}
function formBody() {
  const v = (id) => $(id).value;
  const needs = [...document.querySelectorAll("#needs-list input[type=checkbox]:checked")].map((i) => i.value);
  const details = {};
  for (const code of needs) {
    const text = document.querySelector(`input[data-detail="${CSS.escape(code)}"]`).value.trim();
    if (text) details[code] = text;
  }
  const resident = { nik: v("#f-nik").trim(), name: v("#f-name").trim() };
  if (v("#f-phone").trim()) resident.phone = v("#f-phone").trim();
  if (v("#f-address").trim()) resident.address = v("#f-address").trim();
  const body = {
    village_code: state.reference.caller.village_code, needs, description: v("#f-description"),
    channel: v("#f-channel"), recorded_at: state.editing?.recorded_at ?? new Date().toISOString(), resident,
  };
  // need_details goes only when a detail was written: a server without the field stays happy.
  if (Object.keys(details).length) body.need_details = details;
  return body;
}
function fillForm(body) {
  $("#f-nik").value = body.resident.nik; $("#f-name").value = body.resident.name;
  $("#f-phone").value = body.resident.phone ?? ""; $("#f-address").value = body.resident.address ?? "";
  $("#f-description").value = body.description; $("#f-channel").value = body.channel;
  document.querySelectorAll("#needs-list input[type=checkbox]").forEach((i) => {
    i.checked = body.needs.includes(i.value);
    i.closest(".need").querySelector(".field").hidden = !i.checked;
    i.closest(".need").querySelector("input[data-detail]").value = body.need_details?.[i.value] ?? "";
  });
}

// The rules intake enforces (domain/complaints.py, domain/nik.py), with intake's own texts.
const PHONE = /^(?:\+62|62|0)8\d{7,12}$/;
function realDate(y, m, d) { const x = new Date(Date.UTC(y, m - 1, d)); return x.getUTCFullYear() === y && x.getUTCMonth() === m - 1 && x.getUTCDate() === d; }
function nikFacts(nik) {
  let day = +nik.slice(6, 8); const month = +nik.slice(8, 10); const yy = +nik.slice(10, 12);
  const female = day > 40; if (female) day -= 40;
  if (![1900, 2000].some((c) => realDate(c + yy, month, day))) return null;
  const now = new Date();
  for (const c of [2000, 1900]) {
    if (realDate(c + yy, month, day) && new Date(Date.UTC(c + yy, month - 1, day)) <= now) {
      return { kecamatan_code: `${nik.slice(0, 2)}.${nik.slice(2, 4)}.${nik.slice(4, 6)}`, birth_date: `${c + yy}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`, female };
    }
  }
  return { kecamatan_code: `${nik.slice(0, 2)}.${nik.slice(2, 4)}.${nik.slice(4, 6)}`, birth_date: null, female };
}
function nikProblem(nik) {
  const ref = state.reference;
  if (!/^\d{16}$/.test(nik)) return "invalid_nik";
  if (new Set(nik).size === 1) return "nik_dummy";
  const steps = new Set([...nik].slice(1).map((ch, i) => (+ch - +nik[i] + 10) % 10));
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return "nik_dummy";
  const p = nik.slice(0, 2), r = nik.slice(2, 4), k = nik.slice(4, 6);
  if (!ref.provinces.includes(p) || r === "00" || k === "00") return "nik_unknown_region";
  if (ref.regencies.includes(`${p}.${r}`) && !ref.kecamatan.includes(`${p}.${r}.${k}`)) return "nik_unknown_region";
  if (nikFacts(nik) === null) return "nik_invalid_birth_date";
  if (nik.slice(12) === "0000") return "nik_dummy";
  return null;
}
function problems(body) {
  const found = [];
  const add = (code, field) => found.push({ code, field, message: msg(code) });
  if (!body.needs.length) add("needs_required", "needs");
  if (!body.description.trim()) add("description_required", "description");
  if (body.description.length > state.reference.max_description) add("description_too_long", "description");
  const nik = nikProblem(body.resident.nik); if (nik) add(nik, "resident.nik");
  if (!body.resident.name.trim()) add("name_required", "resident.name");
  if (body.resident.phone) {
    const phone = body.resident.phone.replace(/[\s().-]/g, "");
    const norm = phone.startsWith("+62") ? phone : phone.startsWith("62") ? `+${phone}` : phone.startsWith("0") ? `+62${phone.slice(1)}` : phone;
    if (!PHONE.test(norm)) add("invalid_phone", "resident.phone");
  }
  return found;
}
const FIELD_IDS = { "resident.nik": "f-nik", "resident.name": "f-name", "resident.phone": "f-phone", "resident.address": "f-address", needs: "f-needs", description: "f-description", channel: "f-channel" };
function fieldLabel(field) {
  const label = FIELD_IDS[field] && document.querySelector(`label[for="${FIELD_IDS[field]}"]`);
  return label ? label.textContent : field === "needs" ? t("needs") : field;
}
function showProblems(list, touchedOnly) {
  const byField = {};
  for (const p of list) (byField[p.field] ??= []).push(p.message ?? msg(p.code));
  for (const [field, id] of Object.entries(FIELD_IDS)) {
    const input = document.getElementById(id);
    const touched = !touchedOnly || input?.dataset.touched || (field === "needs" && $("#needs").dataset.touched);
    setErr(id, touched ? (byField[field] ?? []).join(" ") : "");
  }
}
function showFacts(body) {
  const nik = body.resident.nik; const out = $("#f-nik-facts");
  if (!/^\d{16}$/.test(nik) || nikProblem(nik) === "nik_invalid_birth_date") { out.textContent = ""; return; }
  const f = nikFacts(nik); if (!f?.birth_date) { out.textContent = ""; return; }
  const served = state.reference.kecamatan.includes(f.kecamatan_code);
  out.textContent = t("nik_facts", { region: served ? f.kecamatan_code : `${f.kecamatan_code} (${t("outside")})`, born: fmtDate(`${f.birth_date}T12:00:00`), sex: t(f.female ? "female" : "male") });
}
function liveCheck(fromInput) {
  if (!state.reference || state.view !== "form") return;
  const body = formBody();
  const local = problems(body);
  showFacts(body);
  showProblems(state.serverProblems && !fromInput ? state.serverProblems : local, true);
  clearTimeout(state.checkTimer);
  state.checkSeq += 1; // an answer to an older check, still on its way, is then ignored
  if (fromInput) state.serverProblems = null;
  if (!navigator.onLine || nikProblem(body.resident.nik) || !body.needs.length) { showDuplicates([]); return; }
  state.checkTimer = setTimeout(() => serverCheck(body), 500);
}
async function serverCheck(body) {
  const seq = state.checkSeq;
  try {
    const res = await api("/v1/desk/check", { method: "POST", body, timeout: 8000 });
    if (seq !== state.checkSeq || res.status !== 200) return;
    state.serverProblems = res.data.problems;
    showProblems(res.data.problems, true);
    showDuplicates(res.data.possible_duplicates);
  } catch (err) { if (err instanceof Revoked) revoked(); }
}
function showDuplicates(list) {
  const box = $("#duplicates");
  box.hidden = !list.length;
  box.replaceChildren(t("duplicates"), el("ul", {}, ...list.map((d) => el("li", {}, `${d.ticket} · ${d.needs.map(serviceName).join(", ")} · ${fmtDate(d.received_at)}`))));
}
$("#complaint").addEventListener("input", (e) => { if (e.target.id) e.target.dataset.touched = "1"; if (e.target.type === "checkbox") $("#needs").dataset.touched = "1"; liveCheck(true); });
$("#complaint").addEventListener("focusout", (e) => { if (e.target.id && e.target.value) { e.target.dataset.touched = "1"; liveCheck(false); } });
$("#complaint").addEventListener("submit", async (e) => {
  e.preventDefault();
  document.querySelectorAll("#complaint [id]").forEach((i) => { i.dataset.touched = "1"; });
  $("#needs").dataset.touched = "1";
  const body = formBody();
  const found = problems(body);
  showProblems(found, false);
  if (found.length) {
    const first = document.getElementById(FIELD_IDS[found[0].field]);
    (first?.tagName === "P" ? document.querySelector("#needs-list input") : first)?.focus();
    return;
  }
  if (!(await roomToSave())) return;
  const record = {
    client_id: state.editing?.client_id ?? `desk-${crypto.randomUUID()}`,
    recorded_at: body.recorded_at, state: "waiting", errors: [], saved_at: new Date().toISOString(),
    sealed: await seal(body),
  };
  try {
    await put("outbox", record);
  } catch (err) {
    $("#storage").textContent = t("storage_full"); $("#storage").hidden = false; return;
  }
  state.editing = null; $("#editing").hidden = true;
  $("#complaint").reset(); renderNeeds(); showDuplicates([]); $("#f-nik-facts").textContent = "";
  document.querySelectorAll("#complaint [data-touched]").forEach((i) => delete i.dataset.touched);
  delete $("#needs").dataset.touched; showProblems([], false);
  channel.postMessage("changed");
  await renderWaiting();
  show("waiting");
  $("#sync-state").textContent = t("saved_waiting");
  if (navigator.onLine) {
    const results = await sync();
    const mine = results?.find((r) => r.client_id === record.client_id);
    if (mine && mine.result !== "rejected") showReceipt(await get("sent", record.client_id));
  }
});
async function roomToSave() {
  const est = await navigator.storage?.estimate?.();
  const box = $("#storage");
  if (est && est.quota && est.quota - est.usage < LOW_STORAGE_BYTES) {
    box.textContent = t("storage_low", { free: `${Math.max(0, Math.round((est.quota - est.usage) / 1024))} KB` });
    box.hidden = false;
    return est.quota - est.usage > 64 * 1024; // a complaint is a few KB: refuse only when even that may not fit
  }
  box.hidden = true;
  return true;
}

// ---- waiting complaints and the sync ----
async function renderWaitingCount() { $("#waiting-count").textContent = String((await all("outbox")).length); }
async function renderWaiting() {
  await renderWaitingCount();
  const waiting = await all("outbox");
  $("#waiting-list").replaceChildren(...waiting.map((r) => el("li", { "data-client-id": r.client_id },
    el("div", { class: "row" }, el("strong", {}, fmtTime(r.recorded_at)),
      el("span", { class: r.state === "rejected" ? "tag bad" : "tag wait" }, r.state === "rejected" ? t("rejected_badge") : t("waiting_badge"))),
    r.errors.length ? el("ul", { class: "err" }, ...r.errors.map((p) => el("li", {}, `${fieldLabel(p.field)}: ${p.message}`))) : null,
    r.state === "rejected" && state.key ? el("button", { type: "button", onclick: () => fix(r) }, t("fix")) : null)));
  const sent = (await all("sent")).sort((a, b) => b.recorded_at.localeCompare(a.recorded_at));
  $("#sent-list").replaceChildren(...sent.map((s) => el("li", { "data-ticket": s.ticket },
    el("div", { class: "row" }, el("strong", {}, s.ticket), el("span", { class: "tag" }, t(s.result))),
    el("div", {}, `${fmtTime(s.recorded_at)} · ${s.needs.map(serviceName).join(", ")}`),
    el("button", { type: "button", onclick: () => showReceipt(s) }, t("receipt")))));
}
async function fix(record) {
  const body = await open_(record.sealed);
  state.editing = { client_id: record.client_id, recorded_at: record.recorded_at };
  show("form");
  fillForm(body);
  $("#editing").textContent = t("fixing"); $("#editing").hidden = false;
  document.querySelectorAll("#complaint [id]").forEach((i) => { i.dataset.touched = "1"; });
  $("#needs").dataset.touched = "1";
  state.serverProblems = record.errors;
  showProblems(record.errors, false);
  showFacts(body);
  const first = record.errors[0] && document.getElementById(FIELD_IDS[record.errors[0].field]);
  if (first && first.tagName !== "P") first.focus();
}
async function sync() {
  if (!state.key || !state.token) return null;
  if (!navigator.locks) return sendWaiting();
  // One tab sends at a time; another waits its turn and then finds only what is still waiting.
  return navigator.locks.request("slrt-desk-sync", sendWaiting);
}
async function sendWaiting() {
  const waiting = (await all("outbox")).filter((r) => r.state === "waiting").slice(0, BATCH_MAX);
  if (!waiting.length) { await renderWaiting(); return []; }
  $("#sync-state").textContent = t("sending");
  const items = [];
  for (const r of waiting) items.push({ ...(await open_(r.sealed)), client_id: r.client_id });
  let res;
  try {
    res = await api("/v1/complaints/batch", { method: "POST", body: { complaints: items }, timeout: 30000 });
  } catch (err) {
    if (err instanceof Revoked) { revoked(); $("#sync-state").textContent = t("revoked"); return null; }
    $("#sync-state").textContent = t("send_failed", { why: navigator.onLine ? String(err.name) : t("offline") });
    return null;
  }
  if (res.status !== 200) {
    $("#sync-state").textContent = t("send_failed", { why: `HTTP ${res.status}` }); return null;
  }
  const counts = { created: 0, existing: 0, rejected: 0 };
  for (const r of res.data.results) {
    counts[r.result] += 1;
    const item = waiting.find((w) => w.client_id === r.client_id); if (!item) continue;
    if (r.result === "rejected") {
      await put("outbox", { ...item, state: "rejected", errors: r.errors });
    } else {
      const body = items.find((i) => i.client_id === r.client_id);
      // The resident's data leaves the device once intake has the complaint: only the receipt stays.
      await put("sent", { client_id: r.client_id, ticket: r.ticket, complaint_id: r.complaint_id, result: r.result, needs: body.needs, recorded_at: item.recorded_at });
      await del("outbox", r.client_id);
    }
  }
  channel.postMessage("changed");
  await renderWaiting();
  $("#sync-state").textContent = t("sent_n", { n: counts.created, e: counts.existing, r: counts.rejected });
  return res.data.results;
}
$("#sync-now").addEventListener("click", () => sync());
window.addEventListener("online", () => { network(); sync(); });
window.addEventListener("offline", network);
channel.addEventListener("message", (e) => { if (e.data === "signed-out") location.reload(); else renderWaiting(); });
setInterval(() => { if (navigator.onLine) sync(); }, 60000);

// ---- the village's list and a complaint's detail ----
const STATUS = (s) => t(`st_${s}`);
async function loadList(more = false) {
  if (!more) { state.cursor = null; $("#list").replaceChildren(); }
  const f = new FormData($("#filters"));
  const q = new URLSearchParams({ limit: "20" });
  for (const k of ["ticket", "status", "from", "to"]) { const v = String(f.get(k) ?? "").trim(); if (v) q.set(k, v); }
  if (more && state.cursor) q.set("cursor", state.cursor);
  $("#list-state").textContent = t("loading");
  let res;
  try { res = await api(`/v1/complaints?${q}`); } catch (err) {
    if (err instanceof Revoked) revoked();
    $("#list-state").textContent = err instanceof Revoked ? t("revoked") : t("list_offline"); return;
  }
  if (res.status !== 200) {
    $("#list-state").textContent = (res.data?.error?.details ?? []).map((d) => d.message).join(" ") || t("error", { why: res.status }); return;
  }
  state.cursor = res.data.next_cursor;
  $("#more").hidden = !state.cursor;
  $("#list").append(...res.data.items.map((c) => {
    const due = c.referrals.map((r) => r.due_at).filter(Boolean).sort()[0];
    return el("li", { "data-ticket": c.ticket },
      el("div", { class: "row" }, el("button", { type: "button", onclick: () => openDetail(c) }, c.ticket), el("span", { class: "tag" }, STATUS(c.status))),
      el("div", {}, `${c.resident ? c.resident.name : t("erased")} · ${c.needs.map(serviceName).join(", ")}`),
      el("div", { class: "muted" }, `${t("received_at")} ${fmtTime(c.received_at)}${due ? ` · ${t("due")} ${fmtDate(due)}` : ""}`),
      el("div", {}, ...c.referrals.map((r) => el("span", { class: "tag" }, `${r.agency_code}: ${t(`rs_${r.status}`)}`)),
        c.referrals.some((r) => r.overdue) ? el("span", { class: "tag late" }, t("overdue")) : null,
        c.referrals.some((r) => r.escalated) ? el("span", { class: "tag up" }, t("escalated")) : null));
  }));
  $("#list-state").textContent = $("#list").children.length ? "" : t("none_found");
}
$("#filters").addEventListener("submit", (e) => { e.preventDefault(); loadList(); });
$("#more").addEventListener("click", () => loadList(true));
async function openDetail(item) {
  show("detail");
  $("#h-detail").textContent = item.ticket;
  $("#detail").replaceChildren(t("loading"));
  let res;
  try { res = await api(`/v1/complaints/${item.complaint_id}`); } catch (err) {
    if (err instanceof Revoked) revoked();
    $("#detail").replaceChildren(t("list_offline")); return;
  }
  const c = res.data; state.detail = c;
  $("#h-detail").focus();
  $("#detail").replaceChildren(
    el("p", {}, el("span", { class: "tag" }, STATUS(c.status))),
    el("p", {}, c.resident ? `${c.resident.name} · NIK ${c.resident.nik}` : t("erased")),
    el("p", {}, c.needs.map(serviceName).join(", ")),
    c.description ? el("p", {}, c.description) : null,
    el("p", { class: "muted" }, `${t("recorded_at")} ${fmtTime(c.recorded_at)} · ${t("received_at")} ${fmtTime(c.received_at)}`),
    el("h2", {}, t("timeline")),
    el("ol", { class: "timeline" }, ...c.timeline.map((e) => el("li", {},
      `${fmtTime(e.at)} · ${t(`k_${e.kind}`)}${e.agency_code ? ` ${e.agency_code}` : ""}${e.level ? ` (${e.level})` : ""}${e.outcome ? ` · ${e.outcome}` : ""}${e.due_at ? ` · ${t("due")} ${fmtDate(e.due_at)}` : ""}`))));
}
$("#detail-receipt").addEventListener("click", () => {
  const c = state.detail; if (c) showReceipt({ ticket: c.ticket, needs: c.needs, recorded_at: c.received_at });
});

// ---- DTSEN data proposals (online only: intake checks them, the form says its words) ----
const P_FIELDS = { kind: "p-kind", removal_reason: "p-reason", deliberation_date: "p-date", kk_number: "p-kk", head_nik: "p-nik", head_name: "p-name", detail: "p-detail" };
const label = (x) => x[state.lang === "id" ? "label_id" : "label_en"];
function renderProposalOptions() {
  const ref = state.reference; if (!ref?.proposal_kinds) return;
  for (const [id, items] of [["#p-kind", ref.proposal_kinds], ["#p-reason", ref.removal_reasons]]) {
    const select = $(id), chosen = select.value;
    select.replaceChildren(...items.map((x) => el("option", { value: x.code }, label(x))));
    if (chosen) select.value = chosen;
  }
  if (!$("#p-date").value) $("#p-date").value = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Jakarta" });
  proposalKind();
}
function proposalKind() { $("#p-reason-field").hidden = $("#p-kind").value !== "penghapusan"; }
$("#p-kind").addEventListener("change", proposalKind);
function proposalBody() {
  const f = new FormData($("#proposal"));
  const v = (k) => String(f.get(k) ?? "").trim();
  const kind = v("kind");
  return {
    kind, deliberation_date: v("deliberation_date") || null,
    removal_reason: kind === "penghapusan" ? v("removal_reason") || null : null,
    kk_number: v("kk_number"), head_nik: v("head_nik"), head_name: v("head_name"), detail: v("detail"),
  };
}
$("#proposal").addEventListener("submit", async (e) => {
  e.preventDefault();
  Object.values(P_FIELDS).forEach((id) => setErr(id, ""));
  if (!navigator.onLine) { $("#proposal-state").textContent = t("p_offline"); return; }
  // A resend after a lost answer reuses the key: intake answers the proposal it saved.
  state.proposalKey = state.proposalKey ?? crypto.randomUUID();
  $("#proposal-state").textContent = t("sending");
  let res;
  try {
    res = await api("/v1/data-proposals", { method: "POST", body: proposalBody(), headers: { "Idempotency-Key": state.proposalKey } });
  } catch (err) {
    if (err instanceof Revoked) revoked();
    $("#proposal-state").textContent = refusal(err); return;
  }
  if (res.status === 201 || res.status === 200) {
    state.proposalKey = null;
    $("#proposal").reset(); renderProposalOptions();
    $("#proposal-state").textContent = t("p_sent", { ticket: res.data.ticket });
    loadProposals(); return;
  }
  state.proposalKey = null;
  const error = res.data?.error;
  const field = error?.details?.[0]?.field;
  if (field && P_FIELDS[field]) { setErr(P_FIELDS[field], error.message); $(`#${P_FIELDS[field]}`).focus(); }
  $("#proposal-state").textContent = error?.message ?? t("error", { why: res.status });
});
async function loadProposals() {
  $("#proposals-state").textContent = t("loading");
  let res;
  try { res = await api("/v1/data-proposals?limit=50"); } catch (err) {
    if (err instanceof Revoked) revoked();
    $("#proposals-state").textContent = err instanceof Revoked ? t("revoked") : t("list_offline"); return;
  }
  if (res.status !== 200) { $("#proposals-state").textContent = t("error", { why: res.status }); return; }
  const kinds = Object.fromEntries((state.reference?.proposal_kinds ?? []).map((x) => [x.code, label(x)]));
  const why = Object.fromEntries((state.reference?.removal_reasons ?? []).map((x) => [x.code, label(x)]));
  $("#proposal-list").replaceChildren(...res.data.items.map((p) => el("li", { "data-ticket": p.ticket },
    el("div", { class: "row" }, el("strong", {}, p.ticket), el("span", { class: "tag" }, STATUS(p.status))),
    el("div", {}, `${kinds[p.kind] ?? p.kind}${p.removal_reason ? ` (${why[p.removal_reason] ?? p.removal_reason})` : ""}${p.head_name ? ` · ${p.head_name}` : ""}`),
    el("div", { class: "muted" }, `${t("p_deliberation")} ${fmtDate(p.deliberation_date)} · ${t("received_at")} ${fmtTime(p.received_at)}`),
    el("div", {},
      p.stage ? el("span", { class: "tag" }, t("p_stage", p.stage)) : null,
      p.waiting_at_village ? el("span", { class: "tag wait" }, t("p_waiting")) : null,
      p.decision ? el("span", { class: p.decision === "accepted" ? "tag" : "tag bad" }, `${t(`p_${p.decision}`)}${p.decision_reason ? ` · ${p.decision_reason}` : ""}`) : null))));
  $("#proposals-state").textContent = res.data.items.length ? "" : t("p_none");
}

// ---- the resident's receipt ----
function showReceipt(s) {
  const link = `${location.origin}/v1/track/${s.ticket}`;
  $("#r-ticket").textContent = s.ticket;
  $("#r-date").textContent = fmtTime(s.recorded_at);
  $("#r-needs").textContent = s.needs.map(serviceName).join(", ");
  $("#r-link").textContent = link; $("#r-link").href = link;
  $("#r-qr").src = `/v1/track/${encodeURIComponent(s.ticket)}/qr.svg`;
  $("#r-qr").alt = `QR: ${link}`;
  const c = state.reference.caller;
  $("#r-village").textContent = t("for_village", { name: c.village_name, code: c.village_code });
  show("receipt");
}
$("#print").addEventListener("click", () => window.print());

// ---- navigation, language, the service worker ----
document.addEventListener("click", (e) => {
  const go = e.target.closest("[data-go]")?.dataset.go; if (!go) return;
  show(go);
  if (go === "list") loadList();
  if (go === "proposals") { renderProposalOptions(); loadProposals(); }
  if (go === "waiting") renderWaiting();
});
$("#lang").addEventListener("click", () => {
  state.lang = state.lang === "id" ? "en" : "id"; localStorage.setItem("slrt-lang", state.lang); translate();
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).then((reg) => {
    const offer = (worker) => {
      $("#update").hidden = false;
      $("#update-now").onclick = () => worker.postMessage("skip-waiting");
    };
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      worker?.addEventListener("statechange", () => { if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker); });
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!$("#update").hidden && !reloading) { reloading = true; location.reload(); }
  });
}
start();
