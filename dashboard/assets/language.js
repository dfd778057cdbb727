// The header's language switcher (dashboard/app.py switcher) links to the page being read in each language.
// The frame is drawn once per page load while the reader moves between pages (and the pages rewrite their
// address as selections change), so each link's address is brought up to date from the address bar just
// before it is followed, hovered or focused.
(function () {
    function update(link) {
        const q = new URLSearchParams(window.location.search);
        q.set('lang', link.getAttribute('hreflang'));
        link.setAttribute('href', window.location.pathname + '?' + q.toString().replace(/%2C/g, ','));
    }
    ['click', 'mouseover', 'focusin', 'touchstart'].forEach(function (kind) {
        document.addEventListener(kind, function (event) {
            const link = event.target && event.target.closest && event.target.closest('a.language-link');
            if (link) { update(link); }
        }, true);
    });
})();
