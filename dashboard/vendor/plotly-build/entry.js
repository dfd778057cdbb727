'use strict';
// The traces the OpenMeasure dashboard draws (dashboard/components/figures.py) and nothing else.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
]);
module.exports = Plotly;
