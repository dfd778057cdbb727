// Builds dashboard/vendor/plotly-openmeasure.min.js: plotly.js with only the traces the dashboard draws.
// Usage: npm install (here), then node build.js ../plotly-openmeasure.min.js
const esbuild = require('esbuild');
const fs = require('fs');
const inlineCss = {name: 'inline-css', setup(build) {
  build.onLoad({filter: /\.css$/}, (args) => {
    const css = esbuild.transformSync(fs.readFileSync(args.path, 'utf8'), {loader: 'css', minify: true}).code;
    return {loader: 'js', contents: `if(typeof document!=='undefined'){var s=document.createElement('style');` +
      `s.textContent=${JSON.stringify(css)};document.head.appendChild(s);}`};
  });
}};
esbuild.build({entryPoints: [__dirname + '/entry.js'], format: 'iife', globalName: 'Plotly', bundle: true,
  minify: true, legalComments: 'eof',
  banner: {js: '/*! plotly.js v4.1.1, partial bundle (scatter, bar, scattermap, choroplethmap) for OpenMeasure. ' +
    'MIT licence, Copyright 2012-2026 Plotly, Inc. Built by dashboard/vendor/plotly-build/build.js */'}, outfile: process.argv[2], plugins: [inlineCss],
  alias: {stream: 'stream-browserify'}, target: 'es2016', logLevel: 'info',
  define: {global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false'}})
  .catch(() => process.exit(1));
