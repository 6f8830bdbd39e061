// esbuild bundles the CSS the viewer imports into dist/viewer/app.css.
declare module '*.css';
