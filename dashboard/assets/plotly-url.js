/* dcc.Graph loads plotly.js from window._dashPlotlyJSURL, which Dash's renderer sets to plotly's full bundle
 * (4.8 MB, at an address without a fingerprint). The dashboard serves a partial bundle instead, at a
 * fingerprinted address cached for good, named in <meta name="openmeasure-plotly"> (dashboard/delivery.py);
 * the renderer's own setting is ignored.
 */
(function () {
  var meta = document.querySelector('meta[name="openmeasure-plotly"]');
  if (!meta) { return; }
  var url = meta.getAttribute('content');
  Object.defineProperty(window, '_dashPlotlyJSURL', {
    configurable: true, get: function () { return url; }, set: function () {}
  });
})();
