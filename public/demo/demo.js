// The demo's glue: tokens for the two users (POST /demo/token, only where the demo is on) and the operator
// panel, whose body is the producer API's (POST /v1/projects/demo/notifications; /demo/send adds the admin key).
const tokens = new Map();
/** When a JWT expires (ms), from its payload. */
const expiryOf = (token) => JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp * 1000;
const tokenFor = (user) => {
  const held = tokens.get(user);
  // The client asks again after a 401: a token that is gone or about to go is minted anew.
  if (!held || (held.expires && held.expires - Date.now() < 60_000)) {
    const entry = { expires: 0 };
    entry.token = fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`token: ${response.status}`))))
      .then(({ token }) => ((entry.expires = expiryOf(token)), token));
    // A failed mint is asked for again next time.
    entry.token.catch(() => tokens.delete(user));
    tokens.set(user, entry);
  }
  return tokens.get(user).token;
};
for (const inbox of document.querySelectorAll('edge-inbox[data-user]')) {
  inbox.tokenProvider = () => tokenFor(inbox.dataset.user);
}

const form = document.getElementById('send');
const sent = document.getElementById('sent');
const request = document.getElementById('request');

function bodyOf(data) {
  const [kind, id] = data.get('to').split(':');
  const body = { to: [kind === 'everyone' ? { everyone: true } : { [kind]: id }], title: data.get('title'), priority: data.get('priority') };
  if (data.get('body')) body.body = data.get('body');
  if (data.get('action_url')) body.action_url = data.get('action_url');
  if (data.get('expires')) body.expires_at = new Date(Date.now() + Number(data.get('expires')) * 1000).toISOString();
  return body;
}

function showRequest() {
  const body = JSON.stringify(bodyOf(new FormData(form)), null, 2);
  request.textContent = `curl -X POST ${location.origin}/v1/projects/demo/notifications \\\n  -H "Authorization: Bearer $ADMIN_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replaceAll("'", "'\\''")}'`;
}
form.addEventListener('input', showRequest);
showRequest();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  sent.textContent = 'Sending…';
  try {
    const response = await fetch('/demo/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(new FormData(form))) });
    const answer = await response.json();
    const to = form.elements.to.selectedOptions[0].textContent;
    sent.textContent = response.ok ? `Sent “${answer.notifications[0].title}” to ${to}.` : `Refused (${response.status}): ${answer.error?.message ?? ""}`;
    sent.className = response.ok ? 'ok' : 'error';
  } catch (error) {
    sent.textContent = `Could not send: ${error.message}`;
    sent.className = 'error';
  } finally {
    button.disabled = false;
  }
});
