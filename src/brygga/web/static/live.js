// Pages refresh live while syncs run: every element with `data-live` (and an id) is replaced,
// every few seconds, by the same element of a fresh copy of the page. Polling, no library.
(function () {
  const parts = () => document.querySelectorAll("[data-live][id]");
  if (parts().length === 0) return;
  const seconds = Math.max(1, Number(document.body.dataset.liveSeconds || 3));
  async function refresh() {
    if (document.hidden) return;
    const focused = document.activeElement;
    try {
      const answer = await fetch(location.href, { headers: { "X-Live": "1" } });
      if (!answer.ok || answer.redirected) return;
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      for (const part of parts()) {
        // A part the user is typing in is left alone.
        if (focused && part.contains(focused) && focused.matches("input, select, textarea")) {
          continue;
        }
        const replacement = fresh.getElementById(part.id);
        if (replacement) part.replaceWith(replacement);
      }
    } catch (error) {
      console.debug("live refresh failed", error);
    }
  }
  setInterval(refresh, seconds * 1000);
})();
