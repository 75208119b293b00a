/* A form is sent once: a double click (or a second tap on a slow phone network) must not file the
   same report twice. After the first submit its buttons are disabled; they come back if the page
   is shown again from the browser's history. Forms sent by htmx stay as they are (no reload). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    // Disabled after the submit has started: a disabled button's name would not be sent.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });
})();
