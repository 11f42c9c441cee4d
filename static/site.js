// Small enhancements only: every page works without this file (CSP: served from 'self').
(function () {
  "use strict";
  // "Copy link" next to the referral list's share link.
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
