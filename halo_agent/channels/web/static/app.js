// halo-agent chat page: plain JavaScript, no build step, no dependencies.
// Everything from the server is put on the page as text (textContent), never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const TICKET_COLUMNS = ["id", "summary", "status", "priority", "type", "agent", "team", "user"];
const POST_HEADERS = { "Content-Type": "application/json", "X-Halo-Web": "1" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function newConversation() {
  const id = crypto.randomUUID().replaceAll("-", "");
  sessionStorage.setItem("conversation", id);
  return id;
}
let conversation = sessionStorage.getItem("conversation") || newConversation();

// --- server-sent events over fetch (POST) -----------------------------------------------------------
async function* sse(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) yield { name, data: JSON.parse(data) };
    }
  }
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.detail || body.error || response.statusText;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// --- one assistant message, built from the turn's events --------------------------------------------
class Turn {
  constructor() {
    this.steps = el("ul", { class: "steps" });
    this.answer = el("div", { class: "answer working" });
    this.item = el("li", {}, el("span", { class: "who" }, "Agent"), this.steps, this.answer);
    this.streamed = "";
    this.rows = [];
    $("log").append(this.item);
    this.item.scrollIntoView({ block: "end" });
  }
  step(text, cls = "") { this.steps.append(el("li", { class: cls }, text)); }
  event(e) {
    const handler = this[`on_${e.type}`];
    if (handler) handler.call(this, e);
    this.item.scrollIntoView({ block: "end" });
  }
  on_text_delta(e) { this.streamed += e.text; this.answer.textContent = this.streamed; }
  show(text) { this.streamed = text; this.answer.replaceChildren(...answerBlocks(text)); }
  on_tool_call(e) { this.step(`${e.tool.replace("haloitsm_", "")} ${typeof e.arguments === "string" ? e.arguments : JSON.stringify(e.arguments)}`); }
  on_decision(e) { if (e.decision === "deny") this.step(`Refused by policy (${e.rule_id || "policy"}): ${e.reason}`, "refused"); }
  on_tool_result(e) {
    const data = e.data || {};
    for (const holder of [data, data.result, data.untrusted_data]) {
      if (holder && Array.isArray(holder.tickets)) this.rows.push(...holder.tickets);
    }
  }
  on_paused(e) {
    this.rows = [];
    const box = el("div", { class: "pause", role: "group", "aria-label": e.kind === "confirmation" ? "Confirmation needed" : "Approval needed" },
      el("h2", {}, e.kind === "confirmation" ? "Confirmation needed" : "Approval needed"),
      el("pre", { class: "preview" }, e.preview));
    if (e.kind === "confirmation") {
      const yes = el("button", { type: "button", "data-pending": e.pending_id }, "Confirm");
      const no = el("button", { type: "button", class: "secondary", "data-pending": e.pending_id }, "Cancel");
      yes.addEventListener("click", () => confirmPending(e.pending_id, "yes", [yes, no]));
      no.addEventListener("click", () => confirmPending(e.pending_id, "no", [yes, no]));
      box.append(el("div", { class: "actions" }, yes, no));
      setTimeout(() => yes.focus(), 0);
    } else {
      box.append(el("p", {}, `Sent for approval by ${e.approver_roles.join(" or ") || "an approver"}. You will see the outcome here with your next message.`));
    }
    this.item.append(box);
  }
  on_final(e) {
    const text = e.text.trim();
    if (text) this.show(text);
    const rows = this.rows;
    this.rows = [];
    if (rows.length && !rows.every((row) => new RegExp(`\\b${row.id}\\b`).test(this.streamed))) {
      this.item.append(ticketTable(rows));
    }
  }
  on_error(e) { this.item.append(el("p", { class: "error" }, `Error (${e.kind}): ${e.message}`)); }
  done() { this.answer.classList.remove("working"); if (!this.answer.textContent) this.answer.remove(); }
  fail(text) { this.done(); this.item.append(el("p", { class: "error", role: "alert" }, text)); }
}

// A Markdown table in the answer becomes a table; other lines laid out as a text table (two or more
// "|") keep their columns in a monospace block.
function answerBlocks(text) {
  const blocks = [];
  for (const line of text.split("\n")) {
    const tabular = (line.match(/\|/g) || []).length >= 2 || /^-{8,}$/.test(line.trim());
    const last = blocks[blocks.length - 1];
    if (last && last.tabular === tabular) last.lines.push(line);
    else blocks.push({ tabular, lines: [line] });
  }
  return blocks.map((b) => (b.tabular ? markdownTable(b.lines) || el("pre", {}, b.lines.join("\n")) : b.lines.join("\n") + "\n"));
}

function markdownCells(line) {
  const inner = line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "");
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\(.)/g, "$1"));
}

function markdownTable(lines) {
  if (lines.length < 2 || !markdownCells(lines[1]).every((cell) => /^:?-{3,}:?$/.test(cell))) return null;
  const head = el("tr", {}, ...markdownCells(lines[0]).map((c) => el("th", { scope: "col" }, c)));
  const body = lines.slice(2).map((line) => el("tr", {}, ...markdownCells(line).map((c) => el("td", {}, c))));
  return el("div", { class: "tickets", tabindex: "0", role: "region", "aria-label": "Table" },
    el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

function ticketTable(rows) {
  const columns = TICKET_COLUMNS.filter((c) => rows.some((row) => row[c] !== null && row[c] !== undefined && row[c] !== ""));
  const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, c)));
  const body = rows.map((row) => el("tr", {}, ...columns.map((c) => el("td", {}, row[c] === null || row[c] === undefined ? "" : String(row[c])))));
  return el("div", { class: "tickets", tabindex: "0", role: "region", "aria-label": "Tickets" },
    el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

async function runTurn(path, payload) {
  const turn = new Turn();
  setBusy(true);
  try {
    const response = await fetch(path, {
      method: "POST", headers: { ...POST_HEADERS, Accept: "text/event-stream" }, body: JSON.stringify(payload),
    });
    if (response.status === 401) return showSignedOut();
    if (!response.ok) return turn.fail(await errorText(response));
    for await (const { name, data } of sse(response)) {
      if (name === "done") break;
      turn.event(data);
    }
    turn.done();
  } catch (error) {
    turn.fail(`The connection failed: ${error.message}`);
  } finally {
    setBusy(false);
    refreshApprovals();
  }
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("message").setAttribute("aria-busy", String(busy));
}

async function send(event) {
  event.preventDefault();
  const box = $("message");
  const message = box.value.trim();
  if (!message || $("send").disabled) return;
  box.value = "";
  $("log").append(el("li", { class: "you" }, el("span", { class: "who" }, "You"), el("div", { class: "answer" }, message)));
  await runTurn("/web/chat", { conversation, message });
  box.focus();
}

async function confirmPending(pendingId, answer, buttons) {
  buttons.forEach((b) => { b.disabled = true; });
  await runTurn("/web/confirm", { conversation, pending_id: pendingId, answer });
  $("message").focus();
}

// --- approvals inbox ----------------------------------------------------------------------------------
async function refreshApprovals() {
  const response = await fetch("/web/approvals");
  if (!response.ok) return;
  const records = await response.json();
  const decidable = records.filter((r) => !r.mine && r.kind === "approval");
  $("approval-count").textContent = decidable.length ? String(decidable.length) : "";
  $("approvals-empty").hidden = records.length > 0;
  $("approvals").replaceChildren(...records.map(approvalItem));
}

function approvalItem(record) {
  const item = el("li", {},
    el("h2", {}, `${record.action.replace("haloitsm_", "")} · requested by ${record.requester}`),
    el("pre", { class: "preview" }, record.preview),
    el("p", { class: "meta" }, `${record.kind}, pending ${record.id}, expires ${new Date(record.expires_at).toLocaleString()}`));
  if (record.mine) {
    item.append(el("p", { class: "meta" }, record.kind === "approval" ? "Your request: waiting for an approver." : "Your request: answer it in its chat."));
    return item;
  }
  const status = el("p", { class: "meta", role: "status" });
  const decide = async (verdict, buttons) => {
    buttons.forEach((b) => { b.disabled = true; });
    const response = await fetch(`/web/approvals/${encodeURIComponent(record.id)}/${verdict}`, {
      method: "POST", headers: POST_HEADERS, body: JSON.stringify({}),
    });
    status.textContent = response.ok ? `${verdict === "approve" ? "Approved" : "Denied"}: ${(await response.json()).status}` : await errorText(response);
    setTimeout(refreshApprovals, 1500);
  };
  const approve = el("button", { type: "button", "data-pending": record.id }, "Approve");
  const deny = el("button", { type: "button", class: "secondary", "data-pending": record.id }, "Deny");
  approve.addEventListener("click", () => decide("approve", [approve, deny]));
  deny.addEventListener("click", () => decide("deny", [approve, deny]));
  item.append(el("div", { class: "actions" }, approve, deny), status);
  return item;
}

// --- views, banner, start -----------------------------------------------------------------------------
function show(view) {
  $("chat-view").hidden = view !== "chat";
  $("approvals-view").hidden = view !== "approvals";
  $("tab-chat").setAttribute("aria-pressed", String(view === "chat"));
  $("tab-approvals").setAttribute("aria-pressed", String(view === "approvals"));
  if (view === "approvals") refreshApprovals();
}

function showSignedOut() {
  $("chat-view").hidden = $("approvals-view").hidden = true;
  $("signed-out").hidden = false;
}

async function start() {
  const response = await fetch("/web/me");
  if (!response.ok) return showSignedOut();
  const me = await response.json();
  $("halo").textContent = me.halo;
  $("model").textContent = me.model;
  $("who").textContent = me.name;
  $("composer").addEventListener("submit", send);
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) $("composer").requestSubmit();
  });
  $("tab-chat").addEventListener("click", () => show("chat"));
  $("tab-approvals").addEventListener("click", () => show("approvals"));
  $("new-chat").addEventListener("click", () => {
    conversation = newConversation();
    $("log").replaceChildren();
    show("chat");
    $("message").focus();
  });
  refreshApprovals();
  $("message").focus();
}

document.addEventListener("DOMContentLoaded", start);
