// A page built with the real React from npm (bundled by esbuild at test
// time): behaviour that depends on a framework is tested against it.
import {build} from 'esbuild';

// A React form: the input is controlled (its value comes from state), so
// typing reaches it only if React's onChange fires.
const REACT_APP = `
import {useState} from 'react';
import {createRoot} from 'react-dom/client';
function App() {
  const [name, setName] = useState('');
  const [clicks, setClicks] = useState(0);
  const [submitted, setSubmitted] = useState('');
  return (
    <form onSubmit={(event) => { event.preventDefault(); setSubmitted(name); }}>
      <input id="name" value={name} onChange={(event) => setName(event.target.value)} />
      <input id="secret" type="password" defaultValue="" />
      <button id="more" type="button" onClick={() => setClicks(clicks + 1)}>more</button>
      <p id="echo">{name}</p>
      <p id="clicks">{clicks}</p>
      <p id="submitted">{submitted}</p>
    </form>
  );
}
createRoot(document.getElementById('app')).render(<App />);
`;

let reactApp: string | null = null;
/** The app's script: `<div id="app"></div>` is where it renders. */
export async function reactAppScript(): Promise<string> {
  reactApp ??= (
    await build({
      stdin: {contents: REACT_APP, loader: 'jsx', resolveDir: process.cwd()},
      bundle: true,
      write: false,
      minify: true,
      format: 'iife',
      jsx: 'automatic',
      define: {'process.env.NODE_ENV': '"production"'},
      logLevel: 'warning',
    })
  ).outputFiles[0].text;
  return reactApp;
}

