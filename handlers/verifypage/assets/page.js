// The verification page's only script. Telegram opens a Mini App with its
// signed init data in the URL's fragment
// (#tgWebAppData=...&tgWebAppVersion=...), which a browser never sends to
// a server: this copies it into the form, whose button posts it, and the
// server checks it. It also keeps a second press from posting twice.
"use strict";
(function () {
  var form = document.getElementById("verify");
  if (!form) {
    return;
  }
  var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
  if (data) {
    form.elements.init_data.value = data;
  }
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });
})();
