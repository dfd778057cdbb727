/* Accessibility fixes for Dash 4's dropdown, applied to every dropdown the pages draw.
 *
 * dcc.Dropdown keeps a read-only <input aria-hidden="true" tabindex="0"> as its Tab stop and forwards focus
 * to the real control (a <button aria-haspopup="listbox">), which axe reports as a focusable element hidden
 * from assistive technology (WCAG 4.1.2). Here the button itself is the Tab stop (Enter, Arrow Down and
 * typing open the list, as before), the hidden input leaves the Tab order, and the button is named by its
 * visible <label for=...> followed by the chosen values, word for word, so that its accessible name
 * contains its visible text (WCAG 2.5.3). A multi-select shows "3 selected" rather than the run-together
 * values (CSS); its mouse-only clear icon is hidden from assistive technology (Delete clears by keyboard).
 *
 * The open list: Dash draws each option as a <label role="option"> around a native radio (single) or
 * checkbox (multi) and moves focus to that input, so axe reports an interactive control inside another
 * (WCAG 4.1.2, nested-interactive) and a screen reader meets an option that holds a radio button. The list
 * becomes what it already is underneath: a named group of native radio buttons or checkboxes in the
 * popover's dialog (the labels lose role="option" and aria-selected; the input's checked state says what is
 * chosen; the button says it opens a dialog). Focus on an option and a typed letter goes to the search box,
 * so typing after Enter filters the list (Dash focuses the chosen option on opening a single choice).
 *
 * Charts: a screen reader read Plotly's drawing as its raw text ("0 5 10 15 ... Quinpelby Holham", legend,
 * hover) before the chart's text summary and data table (ui.chart). The drawing (its SVG layers and WebGL
 * canvases) is hidden from assistive technology; the mode bar (download PNG, reset, a map's zoom) is not, so
 * its buttons stay named Tab stops in a toolbar named "Chart tools", and neither is the map's own canvas (a
 * Tab stop of MapLibre's, named "Map", in the page's language here). A layer that holds anything focusable is left alone (hiding it would
 * hide a control: WCAG 4.1.2, axe aria-hidden-focus).
 *
 * The names given here are in the page's language: the server puts them in <meta name="openmeasure-words">
 * (dashboard/app.py SCRIPT_WORDS, from the catalogue); English when it is missing.
 */
(function () {
  var WORDS = {options: 'options', search_options: 'Search the options', chart_tools: 'Chart tools', map: 'Map'};
  (function () {
    var meta = document.querySelector('meta[name="openmeasure-words"]');
    if (!meta) { return; }
    try {
      var given = JSON.parse(meta.getAttribute('content'));
      Object.keys(WORDS).forEach(function (k) { if (typeof given[k] === 'string' && given[k]) { WORDS[k] = given[k]; } });
    } catch (e) { /* keep the English words */ }
  })();
  function fix(root) {
    root.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrap) {
      var input = wrap.querySelector('input.dash-dropdown-focus-target');
      var button = wrap.querySelector('button.dash-dropdown');
      if (!input || !button || button.disabled) { return; }
      if (input.tabIndex !== -1) { input.tabIndex = -1; }
      if (button.tabIndex !== 0) { button.tabIndex = 0; }
      var label = button.id && document.getElementById(button.id + '-label');
      var parts = label ? [label.textContent.trim()] : [];
      var clear = button.querySelector('.dash-dropdown-clear');
      if (clear && clear.getAttribute('aria-hidden') !== 'true') { clear.setAttribute('aria-hidden', 'true'); }
      var shown = Array.prototype.filter.call(
        button.querySelectorAll('.dash-dropdown-value-item, .dash-dropdown-placeholder, .dash-dropdown-value-count'),
        function (el) { return el.offsetParent !== null; });
      shown.forEach(function (el) { var t = el.textContent.trim(); if (t) { parts.push(t); } });
      var name = parts.join(' ');
      if (button.hasAttribute('aria-labelledby')) { button.removeAttribute('aria-labelledby'); }
      if (name && button.getAttribute('aria-label') !== name) { button.setAttribute('aria-label', name); }
    });
    root.querySelectorAll('.dash-dropdown-content .dash-options-list').forEach(function (list) {
      var radios = list.querySelector('input[type="radio"]');
      var role = radios ? 'radiogroup' : 'group';
      if (list.getAttribute('role') !== role) { list.setAttribute('role', role); }
      var wrap = list.closest('.dash-dropdown-wrapper');
      var button = wrap && wrap.querySelector('button.dash-dropdown');
      var label = button && button.id && document.getElementById(button.id + '-label');
      var name = (label ? label.textContent.trim() + ': ' : '') + WORDS.options;
      if (list.getAttribute('aria-label') !== name) { list.setAttribute('aria-label', name); }
    });
    root.querySelectorAll('.dash-dropdown-content [role="option"], .dash-dropdown-content label[aria-selected]')
      .forEach(function (option) { option.removeAttribute('role'); option.removeAttribute('aria-selected'); });
    // the hidden copy of the longest option that sizes the list: out of the Tab order as out of the tree
    root.querySelectorAll('.dash-dropdown-content [aria-hidden="true"] input:not([tabindex="-1"])')
      .forEach(function (input) { input.tabIndex = -1; });
    root.querySelectorAll('button.dash-dropdown[aria-haspopup="listbox"]').forEach(function (button) {
      button.setAttribute('aria-haspopup', 'dialog');
    });
    root.querySelectorAll('input.dash-dropdown-search:not([aria-label])').forEach(function (search) {
      search.setAttribute('aria-label', WORDS.search_options);
    });
  }
  var DRAWING = '.js-plotly-plot svg.main-svg, .js-plotly-plot canvas.gl-canvas';
  var FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
  function hideDrawings(root) {
    root.querySelectorAll(DRAWING).forEach(function (layer) {
      if (layer.getAttribute('aria-hidden') !== 'true' && !layer.querySelector(FOCUSABLE)) {
        layer.setAttribute('aria-hidden', 'true');
      }
    });
    root.querySelectorAll('.js-plotly-plot .modebar:not([aria-label])').forEach(function (bar) {
      bar.setAttribute('aria-label', WORDS.chart_tools);
    });
    // MapLibre names its canvas (a Tab stop) "Map" in English: named in the page's language
    root.querySelectorAll('.js-plotly-plot canvas.maplibregl-canvas').forEach(function (canvas) {
      if (canvas.getAttribute('aria-label') !== WORDS.map) { canvas.setAttribute('aria-label', WORDS.map); }
    });
  }
  // A letter typed on an option of an open list goes to its search box (Space still picks the option).
  function typeToSearch(event) {
    if (event.key.length !== 1 || event.key === ' ' || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var content = target && target.closest && target.closest('.dash-dropdown-content');
    if (!content || target.classList.contains('dash-dropdown-search')) { return; }
    var search = content.querySelector('input.dash-dropdown-search');
    if (search) { search.focus(); }  // the key's character is then typed into the search box
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(document); hideDrawings(document); });
  }
  function start() {
    fix(document);
    hideDrawings(document);
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, attributes: true, characterData: true,
      attributeFilter: ['tabindex', 'aria-labelledby', 'role', 'aria-selected', 'aria-haspopup']
    });
    document.addEventListener('keydown', typeToSearch, true);
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
