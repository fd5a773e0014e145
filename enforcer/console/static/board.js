// The live board's cell updates (our own code, not vendored). The server sends SSE event
// "cells", a JSON list of [row id, field, value] (enforcer/console/cells.py); they are
// merged by (row, field), newest wins, and applied once per animation frame, so a page
// that falls behind skips to the newest values instead of queueing pushes. A whole-body
// swap (event "board", done by htmx) drops what is pending: it is older than that body.
(() => {
  let pending = new Map();
  let queued = false;
  window.boardCellsApplied = 0;
  window.boardBodies = 0;  // whole-body swaps: one when the stream (re)connects

  function applyOne(id, f, v) {
    const tr = document.getElementById(id);
    if (!tr) return;
    if (f === "class") { tr.className = v; return; }
    const el = tr.querySelector(`[data-f="${f}"]`);
    if (!el) return;
    if (f.startsWith("lim-")) el.outerHTML = v;  // a server-rendered <span>
    else if (f.startsWith("spark-")) el.setAttribute("points", v);
    else el.textContent = v;
  }

  function flush() {
    queued = false;
    const todo = pending;
    pending = new Map();
    for (const [id, f, v] of todo.values()) applyOne(id, f, v);
    window.boardCellsApplied += todo.size;
    document.body.dispatchEvent(new CustomEvent("board:applied", {detail: todo.size}));
  }

  document.body.addEventListener("htmx:sseBeforeMessage", (e) => {
    if (e.detail.type === "board") { pending = new Map(); window.boardBodies++; return; }
    if (e.detail.type !== "cells") return;
    e.preventDefault();  // not an htmx swap
    for (const c of JSON.parse(e.detail.data)) pending.set(c[0] + "\n" + c[1], c);
    if (!queued) { queued = true; requestAnimationFrame(flush); }
  });
})();
