// Do not change this file: the page's markup is not the lesson. The kata is about how the three
// parts reach renderPage, not about what it does with them.

/** One entry of the friends service's answer. */
export interface Friend {
  name: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put in HTML, between tags or in a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Fills the template's `{{name}}`, `{{avatar}}` (a data: URL of the picture) and `{{friends}}`
 * (one `<li>` per friend) placeholders.
 *
 * @example
 * renderPage('<h1>{{name}}</h1>', 'ada', Buffer.from('png'), [{ name: 'grace' }]); // '<h1>ada</h1>'
 */
export function renderPage(template: string, user: string, avatar: Buffer, friends: readonly Friend[]): string {
  const list = friends.map((f) => `<li>${escapeHtml(String(f.name))}</li>`).join('');
  // Function replacers: a name containing "$&" must not be read as a replacement pattern.
  return template
    .replace(/\{\{name\}\}/g, () => escapeHtml(user))
    .replace(/\{\{avatar\}\}/g, () => `data:image/png;base64,${avatar.toString('base64')}`)
    .replace(/\{\{friends\}\}/g, () => list);
}
