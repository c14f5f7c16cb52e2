/**
 * The board's web page: plain HTML, CSS and a little script, served by the board itself, no
 * build step. One row per team: its name, its runs as traffic lights (oldest left), the step it
 * is on, and the time it has left. Large type, dark background: made for a projector. Updates
 * live from the board's server-sent events.
 */
export const BOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kata board</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { background: #111; color: #eee; font: 22px/1.4 system-ui, sans-serif; margin: 1.5em; }
  h1 { font-size: 1.4em; margin: 0 0 .8em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #333; vertical-align: middle; }
  th { color: #aaa; font-weight: normal; font-size: .8em; }
  .team { font-weight: bold; white-space: nowrap; }
  .lights { display: flex; flex-wrap: wrap; gap: 4px; }
  .light { width: 22px; height: 22px; border-radius: 50%; display: inline-block; }
  .red { background: #e53935; } .amber { background: #fbc02d; } .green { background: #43a047; }
  .left { font-variant-numeric: tabular-nums; white-space: nowrap; }
  #status { color: #888; font-size: .7em; margin-top: 1em; }
  .empty { color: #888; }
</style>
</head>
<body>
<h1>kata board</h1>
<table>
  <thead><tr><th>team</th><th>kata</th><th>runs (oldest first)</th><th>step</th><th>time left</th></tr></thead>
  <tbody id="rows"><tr><td class="empty" colspan="5">No team has joined yet: <code>npx kata dojo &lt;kata&gt; --team NAME --board URL</code></td></tr></tbody>
</table>
<div id="status">connecting…</div>
<script>
  const rows = new Map();
  const body = document.getElementById('rows');
  const status = document.getElementById('status');
  // Time left counts down between runs: from what the team last sent, less the time since.
  function clock(row) {
    const ms = row.timeLeftMs;
    if (ms === undefined || ms === null) return '';
    const left = Math.max(0, ms - (Date.now() - row.receivedAt));
    const s = Math.ceil(left / 1000);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }
  function cell(text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  }
  function render() {
    body.textContent = '';
    if (rows.size === 0) {
      const tr = document.createElement('tr');
      tr.appendChild(cell('No team has joined yet.', 'empty')).colSpan = 5;
      body.appendChild(tr);
      return;
    }
    for (const row of [...rows.values()].sort((a, b) => a.team.localeCompare(b.team))) {
      const tr = document.createElement('tr');
      tr.dataset.team = row.team;
      tr.appendChild(cell(row.team, 'team'));
      tr.appendChild(cell(row.kata || ''));
      const lights = document.createElement('td');
      const box = document.createElement('div');
      box.className = 'lights';
      for (const run of row.runs) {
        const dot = document.createElement('span');
        dot.className = 'light ' + run.light;
        dot.title = run.light + ' ' + run.passed + '/' + run.total + ' at ' + run.at;
        box.appendChild(dot);
      }
      lights.appendChild(box);
      tr.appendChild(lights);
      const last = row.runs[row.runs.length - 1];
      tr.appendChild(cell(last && last.step ? last.step + '. ' + (last.stepTitle || '') : (last ? 'done' : '')));
      tr.appendChild(cell(clock(row), 'left'));
      body.appendChild(tr);
    }
  }
  fetch('/state').then((r) => r.json()).then((state) => {
    for (const row of state.teams) rows.set(row.team, { ...row, receivedAt: Date.now() });
    render();
    setInterval(render, 1000);
    const events = new EventSource('/events');
    events.addEventListener('row', (e) => {
      const row = JSON.parse(e.data);
      rows.set(row.team, { ...row, receivedAt: Date.now() });
      render();
    });
    events.onopen = () => { status.textContent = 'live'; };
    events.onerror = () => { status.textContent = 'reconnecting…'; };
  });
</script>
</body>
</html>
`;
