// The 72-hour lock's countdown on a number's page: <time data-countdown datetime="…"> followed by
// <span class="countdown">, refreshed every minute (the server renders the first value).
(function () {
  function words(ms) {
    var minutes = Math.max(Math.floor(ms / 60000), 0);
    var hours = Math.floor(minutes / 60);
    return (hours ? hours + " h " : "") + (minutes % 60) + " min left";
  }
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (time) {
      var left = new Date(time.getAttribute("datetime")).getTime() - Date.now();
      var out = time.parentNode.querySelector(".countdown");
      if (out) out.textContent = left > 0 ? words(left) : "the lock has ended: reload the page";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 60000); });
})();
