// dashboard.js: the dashboard's picture and timeline, on top of a page that
// works without it (web/views/dashboard.templ). It
//   - refreshes the live picture about every 10 seconds while the tab is
//     visible (figure.dash-picture[data-live-url]; data-live while it
//     shows the live picture), and pauses while it is hidden;
//   - shows a transaction's frame in the picture when its row or
//     thumbnail is clicked (Enter on the thumbnail's link too), marks the
//     row selected and offers ライブに戻る. The rows' clicks are taken on
//     the <tbody>, so rows live.js adds later work too: any
//     tr[data-txn-id] whose thumbnail is an img in td.dash-thumb;
//   - reads out the time under the pointer on the timeline's strip, and a
//     click on the strip between marks lists the transactions up to that
//     time (?at=), as a mark's link does.
// Nothing from the server is parsed as markup.
(function () {
  "use strict";

  var REFRESH_MS = 10000;

  var figure = document.querySelector("figure.dash-picture[data-live-url]");
  var picture = figure && figure.querySelector("img");
  var caption = figure && figure.querySelector(".dash-picture-caption");
  var toLive = figure && figure.querySelector("button.dash-to-live");
  var body = document.querySelector("table.dash-list tbody");

  // ---- The picture: live, or a transaction's frame ----
  if (figure && picture && caption && toLive) {
    var liveURL = figure.getAttribute("data-live-url");
    var timer = null;

    var isLive = function () {
      return figure.hasAttribute("data-live");
    };

    // refresh loads a new live picture beside the one shown, and swaps it
    // in once loaded, so that the picture never goes blank.
    var refresh = function () {
      var next = new Image();
      var url = liveURL + "?t=" + Date.now();
      next.onload = function () {
        if (isLive()) {
          picture.src = url;
        }
      };
      next.src = url;
    };

    var stop = function () {
      if (timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
    };

    var start = function () {
      stop();
      if (isLive() && !document.hidden) {
        timer = window.setInterval(refresh, REFRESH_MS);
      }
    };

    var select = function (tr) {
      if (!body) {
        return;
      }
      body.querySelectorAll("tr.is-selected").forEach(function (row) {
        row.classList.remove("is-selected");
        row.removeAttribute("aria-current");
      });
      if (tr) {
        tr.classList.add("is-selected");
        tr.setAttribute("aria-current", "true");
      }
    };

    var showLive = function () {
      figure.setAttribute("data-live", "true");
      picture.src = liveURL + "?t=" + Date.now();
      picture.alt = figure.getAttribute("data-live-alt") || "";
      caption.textContent = figure.getAttribute("data-live-caption") || "";
      toLive.hidden = true;
      select(null);
      start();
    };

    // showFrame puts the row's still in the picture; the caption names
    // its time, kind and register as the server writes them.
    var showFrame = function (tr) {
      var thumb = tr.querySelector("td.dash-thumb img");
      if (!thumb) {
        return false;
      }
      stop();
      figure.removeAttribute("data-live");
      picture.src = thumb.getAttribute("src");
      picture.alt = thumb.getAttribute("alt") || "";
      var cells = tr.cells;
      var badge = tr.querySelector(".badge");
      var parts = [
        cells[0] ? cells[0].textContent.trim() : "",
        badge ? badge.textContent.trim() : "",
        cells[6] ? cells[6].textContent.trim() : ""
      ];
      var format = figure.getAttribute("data-frame-caption") || "%s";
      caption.textContent = format.replace("%s", parts.join(" · "));
      toLive.hidden = false;
      select(tr);
      return true;
    };

    toLive.addEventListener("click", function () {
      showLive();
      picture.scrollIntoView({ block: "nearest" });
    });

    if (body) {
      body.closest("table").classList.add("is-interactive");
      body.addEventListener("click", function (e) {
        var target = e.target;
        if (!(target instanceof Element)) {
          return;
        }
        // The revisions open and close as they do without script; other
        // links go where they say.
        if (target.closest("details")) {
          return;
        }
        var link = target.closest("a");
        if (link && !link.classList.contains("dash-thumb-link")) {
          return;
        }
        var tr = target.closest("tr[data-txn-id]");
        if (!tr || !body.contains(tr)) {
          return;
        }
        if (showFrame(tr) && link) {
          e.preventDefault();
        }
      });
    }

    // Without script the page opened on the live picture shows it as it
    // was then; with it, the picture follows the camera.
    if (isLive()) {
      caption.textContent = figure.getAttribute("data-live-caption") || caption.textContent;
    } else {
      toLive.hidden = false;
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        stop();
      } else if (isLive()) {
        refresh();
        start();
      }
    });
    start();
  }

  // ---- The timeline: the time under the pointer, a click between marks ----
  var strip = document.querySelector("svg.dash-strip[data-at-url]");
  var readout = document.querySelector(".dash-strip-readout");
  if (strip && readout) {
    var from = Date.parse(strip.getAttribute("data-from"));
    var to = Date.parse(strip.getAttribute("data-to"));
    var offset = parseInt(strip.getAttribute("data-offset"), 10) || 0;
    var atURL = strip.getAttribute("data-at-url");
    var lang = document.documentElement.lang === "en" ? "en" : "ja";
    var bg = strip.querySelector(".dash-strip-bg");
    if (isNaN(from) || isNaN(to) || to <= from || !bg) {
      return;
    }
    strip.classList.add("is-interactive");

    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };

    // shown writes an instant as the axis does, in the operator's zone:
    // 2026/11/23 11:00 (en: 2026-11-23 11:00).
    var shown = function (ms) {
      var d = new Date(ms + offset * 1000);
      var sep = lang === "en" ? "-" : "/";
      return d.getUTCFullYear() + sep + pad(d.getUTCMonth() + 1) + sep + pad(d.getUTCDate()) + " " +
        pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    };

    // at is the instant under the pointer; never the range's start, which
    // the list does not include.
    var at = function (e) {
      var box = strip.getBoundingClientRect();
      var f = box.width > 0 ? (e.clientX - box.left) / box.width : 1;
      f = Math.min(1, Math.max(0.001, f));
      return Math.round(from + f * (to - from));
    };

    strip.addEventListener("pointermove", function (e) {
      readout.textContent = shown(at(e));
    });
    strip.addEventListener("pointerleave", function () {
      readout.textContent = "";
    });
    // A mark focused from the keyboard reads out its own title.
    strip.addEventListener("focusin", function (e) {
      var title = e.target instanceof Element && e.target.querySelector("title");
      readout.textContent = title ? title.textContent : "";
    });
    strip.addEventListener("focusout", function () {
      readout.textContent = "";
    });
    bg.addEventListener("click", function (e) {
      // Whole seconds, as the marks' links write them, within the range.
      var ms = Math.ceil(at(e) / 1000) * 1000;
      if (ms > to) {
        ms = Math.floor(to / 1000) * 1000;
      }
      var iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      window.location.assign(atURL + (atURL.indexOf("?") < 0 ? "?" : "&") + "at=" + encodeURIComponent(iso));
    });
  }
})();
