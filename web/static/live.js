// live.js: new transactions appear in the dashboard's list without a
// reload. The contract with the page (web/views, the dashboard):
//   - the list's <tbody> carries data-live-src="/cameras/{id}/events
//     ?after={newest transaction ID when the page was read}", only where
//     new rows belong at its top (the newest page, unfiltered);
//   - each row is <tr data-txn-id="{transaction ID}">; a row shown for
//     "no transactions" carries data-empty and goes when one arrives;
//   - a new row gets the cells 日時, 種別, 合計, 預り, 釣銭, レシートNo, レジ,
//     担当 and the thumbnail in that order (class "num" on amounts), and
//     the classes dash-row, live-new and dash-row-{kind}, the kind as a
//     badge as the server writes it; the thumbnail is
//     {data-still-base}/transactions/{id}/still, its alt text
//     data-still-alt (both on the <tbody>).
// The stream (GET /cameras/{id}/events, server-sent events) sends each
// new transaction as an event "transaction" whose id is the transaction's
// and whose data is its row as JSON: id, sold_at (RFC 3339 with the
// register's zone), kind, total, deposit, change, receipt_no, terminal
// (the register's ID), terminal_name, staff. The stream begins where the
// page says (?after=), and EventSource resumes after the last event it got
// (Last-Event-ID) when the connection drops. Rows are built as text nodes:
// nothing from the server is parsed as markup.
(function () {
  "use strict";
  var body = document.querySelector("tbody[data-live-src]");
  if (!body || !window.EventSource) {
    return;
  }
  var lang = document.documentElement.lang === "en" ? "en" : "ja";
  var kinds = {
    ja: { payment: "支払い", cancel: "キャンセル", modify: "修正", "delete": "削除" },
    en: { payment: "Payment", cancel: "Cancel", modify: "Modify", "delete": "Delete" }
  }[lang];
  var yen = new Intl.NumberFormat(lang === "en" ? "en-US" : "ja-JP");

  function newest() {
    var max = -1;
    body.querySelectorAll("tr[data-txn-id]").forEach(function (tr) {
      var id = parseInt(tr.getAttribute("data-txn-id"), 10);
      if (id > max) {
        max = id;
      }
    });
    return max;
  }

  // The register's own time as it showed it, as the page writes it:
  // YYYY/MM/DD HH:MM:SS +09:00.
  function shownTime(rfc3339) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339 || "");
    if (!m) {
      return String(rfc3339);
    }
    return m[1] + "/" + m[2] + "/" + m[3] + " " + m[4] + " " + (m[5] === "Z" ? "+00:00" : m[5]);
  }

  // An amount as the page writes it: ¥1,200, -¥500.
  function money(n) {
    n = Number(n);
    return (n < 0 ? "-" : "") + "¥" + yen.format(Math.abs(n));
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    return td;
  }

  function row(t) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-txn-id", String(t.id));
    tr.id = "txn-" + String(Number(t.id));
    tr.className = "dash-row live-new dash-row-" + String(t.kind).replace(/[^a-z]/g, "");
    var kind = String(t.kind).replace(/[^a-z]/g, "");
    tr.appendChild(cell(shownTime(t.sold_at), "mono"));
    var kindCell = cell("");
    var badge = document.createElement("span");
    badge.className = "badge dash-kind-" + kind;
    badge.textContent = kinds[t.kind] || kind;
    kindCell.appendChild(badge);
    tr.appendChild(kindCell);
    tr.appendChild(cell(money(t.total), "num"));
    tr.appendChild(cell(money(t.deposit), "num"));
    tr.appendChild(cell(money(t.change), "num"));
    tr.appendChild(cell(t.receipt_no, "mono"));
    tr.appendChild(cell(t.terminal_name || t.terminal));
    tr.appendChild(cell(t.staff));
    var thumb = cell("", "dash-thumb");
    var img = document.createElement("img");
    img.src = body.getAttribute("data-still-base") + "/transactions/" + String(Number(t.id)) + "/still";
    img.alt = body.getAttribute("data-still-alt") || "";
    img.width = 160;
    img.height = 90;
    img.loading = "lazy";
    thumb.appendChild(img);
    tr.appendChild(thumb);
    return tr;
  }

  // The page's stream names where it begins (?after=, the newest
  // transaction stored when the page was read); else after the newest row
  // shown. The rows' IDs follow storing, not the sale time: a row stored
  // later may be an older sale that this page does not list.
  var src = body.getAttribute("data-live-src");
  var after = newest();
  if (!/[?&]after=/.test(src) && after >= 0) {
    src += (src.indexOf("?") < 0 ? "?" : "&") + "after=" + after;
  }
  var events = new EventSource(src);
  events.addEventListener("transaction", function (e) {
    var t;
    try {
      t = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (body.querySelector('tr[data-txn-id="' + String(Number(t.id)) + '"]')) {
      return;
    }
    var empty = body.querySelector("tr[data-empty]");
    if (empty) {
      empty.remove();
    }
    body.insertBefore(row(t), body.firstChild);
  });
  window.addEventListener("pagehide", function () {
    events.close();
  });
})();
