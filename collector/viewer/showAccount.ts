// The header's account line: who is logged in, as what, and "Log out".
import {el} from './el';
import type {User} from './login';

export function showAccount(user: User | null, onLogOut: () => void): void {
  const account = document.getElementById('account')!;
  if (!user) {
    account.replaceChildren();
    return;
  }
  const projects = user.projects === null ? 'all projects' : `projects: ${user.projects.join(', ') || 'none'}`;
  const logOut = el('button', {type: 'button', class: 'secondary', id: 'log-out'}, 'Log out');
  logOut.addEventListener('click', onLogOut);
  account.replaceChildren(
    el('span', {class: 'who', title: projects}, el('span', {id: 'account-name'}, String(user.name)), ' · ', el('span', {id: 'account-role'}, String(user.role))),
    logOut,
  );
}
