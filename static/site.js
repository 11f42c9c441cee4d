// Small enhancements only: every page works without this file (CSP: served from 'self').
// Nothing here talks to anyone but this site; what it keeps (named referral lists, the
// coordinator's name and phone) stays in this browser's localStorage.
(function () {
  "use strict";

  // -- helpers ---------------------------------------------------------------------------------

  function storage(kind) {
    try {
      var s = window[kind];
      var probe = "__probe__";
      s.setItem(probe, probe);
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null; // storage off (private mode, policy): the page works as without JavaScript
    }
  }
  var local = storage("localStorage");
  var session = storage("sessionStorage");

  // One polite live region for everything this file announces.
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  live.id = "live-announcer";
  document.body.appendChild(live);
  function announce(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 60);
  }

  function itemCount(query) {
    return (query.match(/(^|&)(agency|who)\.\d+=/g) || []).length;
  }

  // Named referral lists: {current: "name", lists: {name: "agency.0=...&note.0=..."}}.
  var LISTS_KEY = "referralLists";
  function readLists() {
    var state = null;
    try { state = JSON.parse(local.getItem(LISTS_KEY) || "null"); } catch (e) { state = null; }
    if (!state || typeof state !== "object" || typeof state.lists !== "object" || !state.lists) {
      state = { current: "", lists: {} };
    }
    return state;
  }
  function writeLists(state) {
    try { local.setItem(LISTS_KEY, JSON.stringify(state)); } catch (e) { /* full: keep going */ }
  }
  function freshName(state, stem) {
    var n = 1;
    while (Object.prototype.hasOwnProperty.call(state.lists, stem + " " + n)) { n += 1; }
    return stem + " " + n;
  }
  function nameFor(state, query, stem) {
    for (var name in state.lists) {
      if (Object.prototype.hasOwnProperty.call(state.lists, name) && state.lists[name] === query) {
        return name;
      }
    }
    return freshName(state, stem);
  }
  function saveCurrent(query) {
    if (!local) { return; }
    var state = readLists();
    if (!state.current) { state.current = freshName(state, "List"); }
    state.lists[state.current] = query;
    writeLists(state);
  }

  function updateHeaderCount(count) {
    var link = document.querySelector('.site-header a[href$="/list"]');
    if (!link) { return; }
    var old = link.querySelector(".count");
    if (old) { old.remove(); }
    if (count > 0) {
      var span = document.createElement("span");
      span.className = "count";
      span.textContent = " (" + count;
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = count === 1 ? " item" : " items";
      span.appendChild(words);
      span.appendChild(document.createTextNode(")"));
      link.appendChild(span);
    }
  }

  // -- add to the referral list without leaving the results ---------------------------------

  document.querySelectorAll("form[data-add-in-place]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URLSearchParams || !window.FormData) { return; }
      event.preventDefault();
      var params = new URLSearchParams(new FormData(form));
      params.set("reply", "json");
      var card = form.closest("article");
      var heading = card && card.querySelector(".agency-name");
      var name = heading ? heading.textContent.trim() : "The agency";
      fetch(form.getAttribute("action") + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      }).then(function (body) {
        if (!body.added) {
          announce("Not added: a referral list holds at most " + body.limit +
            " items. Remove one from the list first.");
          return;
        }
        var note = document.createElement("p");
        note.className = "on-list no-print";
        var link = document.createElement("a");
        link.href = form.getAttribute("action");
        link.textContent = "On your referral list";
        note.appendChild(link);
        form.parentNode.replaceChild(note, form);
        link.focus();
        updateHeaderCount(body.count);
        saveCurrent(body.list);
        announce(name + " added to your referral list. It has " + body.count +
          (body.count === 1 ? " item." : " items."));
      }).catch(function () {
        form.submit(); // the ordinary way: the server adds it and brings you back here
      });
    });
  });

  // -- the referral list page: named lists, focus after move and remove ---------------------

  var panel = document.querySelector(".named-lists");
  if (panel && local) {
    panel.hidden = false;
    var query = panel.getAttribute("data-list-query") || "";
    saveCurrent(query);
    var state = readLists();
    var nameField = panel.querySelector("#list-name");
    nameField.value = state.current;
    nameField.addEventListener("change", function () {
      var fresh = readLists();
      var wanted = nameField.value.trim().slice(0, 80);
      if (!wanted || wanted === fresh.current) { nameField.value = fresh.current; return; }
      if (Object.prototype.hasOwnProperty.call(fresh.lists, wanted)) {
        announce("You already have a list called " + wanted + ". Choose another name.");
        nameField.value = fresh.current;
        return;
      }
      fresh.lists[wanted] = fresh.lists[fresh.current] || "";
      delete fresh.lists[fresh.current];
      fresh.current = wanted;
      writeLists(fresh);
      announce("This list is now called " + wanted + ".");
      drawOthers();
    });
    var others = panel.querySelector(".other-lists");
    var drawOthers = function () {
      var now = readLists();
      others.textContent = "";
      Object.keys(now.lists).sort().forEach(function (name) {
        if (name === now.current) { return; }
        var saved = now.lists[name] || "";
        var row = document.createElement("li");
        var open = document.createElement("a");
        open.href = "/list?choose=new" + (saved ? "&" + saved : "");
        open.textContent = "Open " + name;
        open.setAttribute("data-list-name", name);
        var count = itemCount(saved);
        row.appendChild(open);
        row.appendChild(document.createTextNode(" (" + count + (count === 1 ? " item) " : " items) ")));
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "secondary danger small";
        drop.textContent = "Delete " + name;
        drop.addEventListener("click", function () {
          var latest = readLists();
          delete latest.lists[name];
          writeLists(latest);
          drawOthers();
          announce(name + " deleted from this browser.");
          nameField.focus();
        });
        row.appendChild(drop);
        others.appendChild(row);
      });
      if (!others.children.length) {
        var none = document.createElement("li");
        none.textContent = "No other lists in this browser.";
        others.appendChild(none);
      }
    };
    drawOthers();
    panel.querySelector("[data-new-list]").addEventListener("click", function () {
      var latest = readLists();
      latest.current = freshName(latest, "List");
      latest.lists[latest.current] = "";
      writeLists(latest);
      window.location.href = "/list?op=clear";
    });
  }

  // Opening another list (a saved one, the kept one, or a shared link "as a new list"):
  // it becomes the current list under its own name, and the one shown now keeps its name.
  document.addEventListener("click", function (event) {
    if (!local) { return; }
    var target = event.target.closest ? event.target.closest("a, button") : null;
    if (!target) { return; }
    var incoming = null;
    if (target.tagName === "A" && /[?&]choose=new(&|$)/.test(target.getAttribute("href") || "")) {
      incoming = (target.getAttribute("href").split("?")[1] || "").replace(/(^|&)choose=new/, "").replace(/^&/, "");
    } else if (target.tagName === "BUTTON" && target.name === "choose" && target.value === "new") {
      var pairs = new URLSearchParams(new FormData(target.form));
      pairs.delete("choose");
      incoming = pairs.toString();
    }
    if (incoming === null) { return; }
    var state = readLists();
    state.current = target.getAttribute("data-list-name") || nameFor(state, incoming, "Shared list");
    state.lists[state.current] = incoming;
    writeLists(state);
  });

  document.querySelectorAll(".item-actions button[data-focus-kind]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (session) { session.setItem("focusKind", button.getAttribute("data-focus-kind")); }
    });
  });
  var hashTarget = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (hashTarget && (hashTarget.classList.contains("referral-item") || hashTarget.id === "list-heading")) {
    var kind = session ? session.getItem("focusKind") : null;
    if (session) { session.removeItem("focusKind"); }
    var focusOn = hashTarget;
    if (kind === "up" || kind === "down") {
      focusOn = hashTarget.querySelector('[data-focus-kind="' + kind + '"]:not([disabled])') ||
        hashTarget.querySelector("[data-focus-kind]:not([disabled])") || hashTarget;
      var items = document.querySelectorAll(".referral-item");
      var position = Array.prototype.indexOf.call(items, hashTarget) + 1;
      var heading = hashTarget.querySelector(".item-name");
      announce("Moved " + (heading ? heading.textContent.trim() : "the item") + " to position " +
        position + " of " + items.length + ".");
    } else if (kind === "remove") {
      announce("Removed." + (hashTarget.id === "list-heading" ? " The list is empty." : ""));
    }
    // After the browser's own move to the #fragment (which focuses the item itself).
    var settle = function () { window.setTimeout(function () { focusOn.focus(); }, 0); };
    if (document.readyState === "complete") { settle(); } else { window.addEventListener("load", settle); }
  }

  // -- print view: the coordinator's name and phone, kept in this browser -------------------

  var coordinator = document.querySelector(".coordinator-fields");
  if (coordinator && local) {
    coordinator.hidden = false;
    var saved = {};
    try { saved = JSON.parse(local.getItem("coordinator") || "{}") || {}; } catch (e) { saved = {}; }
    ["name", "phone"].forEach(function (key) {
      var field = document.getElementById("coordinator-" + key);
      var shown = document.querySelector('[data-coordinator="' + key + '"]');
      field.value = typeof saved[key] === "string" ? saved[key] : "";
      shown.textContent = field.value;
      field.addEventListener("input", function () {
        saved[key] = field.value.slice(0, 120);
        shown.textContent = saved[key];
        try { local.setItem("coordinator", JSON.stringify(saved)); } catch (e) { /* ignore */ }
      });
    });
  }

  // -- small things ---------------------------------------------------------------------------

  // "Copy link" next to the referral list's share links.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector(".copy-status");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { if (status) { status.textContent = "Link copied."; } };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (status) { status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link."; }
        });
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      } else if (status) {
        status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
      }
    });
  });
  // "Print" on the print view.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Put keyboard focus on the error summary so it is read out first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Coverage map: after following an area link, move focus to its table row for screen readers.
  window.addEventListener("hashchange", function () {
    var row = document.getElementById(window.location.hash.slice(1));
    if (row && row.tagName === "TR") {
      row.setAttribute("tabindex", "-1");
      row.focus();
    }
  });
})();
