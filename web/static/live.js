// live.js: new transactions appear in the dashboard's list without a
// reload, and a transaction shown that changes later (キャンセル, 修正,
// 削除) changes in place. The contract with the page (web/views, the
// dashboard):
//   - the list's <tbody> carries data-live-src="/cameras/{id}/events
//     ?after={the newest place in the change order when the page was
//     read}", only where new rows belong at its top (the newest page,
//     unfiltered);
//   - each row is <tr data-txn-id="{transaction ID}"> with the classes
//     dash-row and dash-row-{kind}, and the cells 日時, 種別 (the kind as a
//     span.badge.dash-kind-{kind}, then whatever the page adds, such as the
//     revisions' details), 合計, 預り, 釣銭, レシートNo, レジ, 担当 and the
//     thumbnail in that order (class "num" on amounts); a row shown for
//     "no transactions" carries data-empty and goes when one arrives;
//   - a new row is built so, with the class live-new; the thumbnail is
//     {data-still-base}/transactions/{id}/still, its alt text
//     data-still-alt (both on the <tbody>), in a link a.dash-thumb-link to
//     the dashboard at the end of the sale's second (the timeline strip's
//     data-at-url plus at=), labelled by the <tbody>'s data-thumb-label
//     with the time for its %s; its badge's label is the <tbody>'s
//     data-kind-{kind} (the kind itself when there is none);
//   - a row changed in place gets its time, badge, amounts, receipt,
//     register, staff and dash-row-{kind} class anew (the rest stays) and,
//     when anything shown changed, the class live-changed.
// The stream (GET /cameras/{id}/events, server-sent events) sends an event
// "transaction" when a transaction is stored and again whenever it changes
// visibly; the data is its row now as JSON: id, sold_at (RFC 3339 with the
// register's zone), kind, total, deposit, change, receipt_no, terminal (the
// register's ID), terminal_name, staff, revision (1 as first stored). The
// event's id is its place in one change order of new and changed
// transactions (a transaction's ID until it changes, a later place for
// each change), so a transaction ID above the page's ?after= was stored
// after the page was read. The stream begins where the page says, and
// EventSource resumes after the last event it got (Last-Event-ID) when the
// connection drops. A changed transaction that the page does not show and
// that was stored before it was read is an older sale: it is not put at
// the top. Rows are built as text nodes: nothing from the server is parsed
// as markup.
(function () {
  "use strict";
  var body = document.querySelector("tbody[data-live-src]");
  if (!body || !window.EventSource) {
    return;
  }
  var lang = document.documentElement.lang === "en" ? "en" : "ja";
  var yen = new Intl.NumberFormat(lang === "en" ? "en-US" : "ja-JP");

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

  // The dashboard at the end of the sale's second, whose picture is that
  // sale's frame: the link the page gives its own rows' thumbnails, from
  // the timeline strip's data-at-url (the dashboard with its filters).
  function atURL(soldAt) {
    var strip = document.querySelector("[data-at-url]");
    var ms = Date.parse(soldAt);
    if (!strip || isNaN(ms)) {
      return "";
    }
    var at = new Date(Math.floor(ms / 1000) * 1000 + 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    var base = strip.getAttribute("data-at-url");
    return base + (base.indexOf("?") < 0 ? "?" : "&") + "at=" + encodeURIComponent(at);
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    return td;
  }

  function kindOf(t) {
    return String(t.kind).replace(/[^a-z]/g, "");
  }

  function row(t) {
    var tr = document.createElement("tr");
    var kind = kindOf(t);
    tr.setAttribute("data-txn-id", String(t.id));
    tr.id = "txn-" + String(Number(t.id));
    tr.className = "dash-row live-new dash-row-" + kind;
    tr.appendChild(cell(shownTime(t.sold_at), "mono"));
    var kindCell = cell("");
    var badge = document.createElement("span");
    badge.className = "badge dash-kind-" + kind;
    badge.textContent = body.getAttribute("data-kind-" + kind) || kind;
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
    var href = atURL(t.sold_at);
    if (href) {
      var link = document.createElement("a");
      link.className = "dash-thumb-link";
      link.href = href;
      link.setAttribute("aria-label", (body.getAttribute("data-thumb-label") || "%s").replace("%s", shownTime(t.sold_at)));
      link.appendChild(img);
      thumb.appendChild(link);
    } else {
      thumb.appendChild(img);
    }
    tr.appendChild(thumb);
    return tr;
  }

  // The cells a change may rewrite (all but the thumbnail), by position.
  var textCells = [0, 2, 3, 4, 5, 6, 7];

  // shown is what a row says, to tell a change from a repeat.
  function shown(tr) {
    var badge = tr.cells[1] && tr.cells[1].querySelector(".badge");
    var parts = [tr.className.replace(/\blive-\w+/g, "").replace(/\s+/g, " ").trim(), badge ? badge.className + badge.textContent : ""];
    textCells.forEach(function (i) {
      parts.push(tr.cells[i] ? tr.cells[i].textContent : "");
    });
    return parts.join("\u0000");
  }

  // change rewrites the row shown of a transaction to its version now and
  // marks it when what it shows changed.
  function change(tr, t) {
    var before = shown(tr);
    var fresh = row(t);
    textCells.forEach(function (i) {
      if (tr.cells[i] && fresh.cells[i]) {
        tr.cells[i].textContent = fresh.cells[i].textContent;
      }
    });
    var badge = tr.cells[1] && tr.cells[1].querySelector(".badge");
    var freshBadge = fresh.cells[1].querySelector(".badge");
    if (badge) {
      badge.className = freshBadge.className;
      badge.textContent = freshBadge.textContent;
    }
    tr.className = tr.className.replace(/\bdash-row-[a-z]+/g, "").replace(/\s+/g, " ").trim() + " dash-row-" + kindOf(t);
    if (shown(tr) !== before) {
      tr.classList.remove("live-new", "live-changed");
      void tr.offsetWidth; // restarts the highlight of an earlier change
      tr.classList.add("live-changed");
    }
  }

  // The page's stream names where it begins (?after=, the newest place
  // when the page was read). Places follow storing and changing, not the
  // sale time: a row stored later may be an older sale that this page does
  // not list.
  var src = body.getAttribute("data-live-src");
  var after = Number(new URL(src, location.href).searchParams.get("after"));
  var events = new EventSource(src);
  events.addEventListener("transaction", function (e) {
    var t;
    try {
      t = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    var shownRow = body.querySelector('tr[data-txn-id="' + String(Number(t.id)) + '"]');
    if (shownRow) {
      change(shownRow, t);
      return;
    }
    // A change of a transaction stored before the page was read, which the
    // page does not show: an older sale, not a new one.
    if (Number(t.revision) > 1 && Number(t.id) <= after) {
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
