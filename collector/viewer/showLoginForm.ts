// The login form, shown whenever the read API answers 401: an access key, or
// a login link pasted whole. Resolves with the user once the collector
// accepts one; its refusals (a wrong key, a used link, too many tries) are
// shown as the collector words them.
import {ApiError, NeedsLogin} from './api';
import {el} from './el';
import {logIn, loginLinkToken, type Credential, type User} from './login';

export function showLoginForm(view: HTMLElement, {error = ''}: {error?: string} = {}): Promise<User> {
  const key = el('input', {name: 'key', id: 'login-key', type: 'password', autocomplete: 'current-password', required: '', spellcheck: 'false'});
  const submit = el('button', {type: 'submit'}, 'Log in');
  const problem = el('p', {class: 'error', id: 'login-error', role: 'alert'}, error);
  problem.hidden = !error;
  // method=post: were the script to stop, the browser must not put the key in a URL.
  const form = el(
    'form',
    {class: 'login', id: 'login', method: 'post', action: '/api/login'},
    el('h2', {}, 'Log in'),
    el('p', {class: 'muted'}, 'Enter your access key, or paste the login link you were given.'),
    el('label', {for: 'login-key'}, 'Access key or login link'),
    key,
    submit,
    problem,
  );
  view.replaceChildren(form);
  document.body.dataset.view = 'login';
  key.focus();

  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = key.value.trim();
      if (!value) return;
      submit.disabled = true;
      problem.hidden = true;
      try {
        const user = await logIn(credentialOf(value));
        key.value = '';
        resolve(user);
      } catch (refusal) {
        problem.textContent = describeRefusal(refusal);
        problem.hidden = false;
        key.select();
      } finally {
        submit.disabled = false;
      }
    });
  });
}

function credentialOf(value: string): Credential {
  const at = value.indexOf('#login=');
  const link = at >= 0 ? loginLinkToken(value.slice(at)) : null;
  return link ? {link} : {key: value};
}

export function describeRefusal(refusal: unknown): string {
  if (refusal instanceof ApiError && refusal.retryAfter) return `${refusal.message} (try again in ${refusal.retryAfter} s)`;
  if (refusal instanceof NeedsLogin || refusal instanceof ApiError) return refusal.message;
  return `Could not log in: ${refusal}`;
}
