// jdeploy dashboard: the live parts of the server's pages. Data comes from the JSON API
// with the page's cookie; changes go to it with the `x-jdeploy-csrf` header, which only
// the dashboard's own pages send. Whatever the fleet says is written with textContent,
// never parsed as markup.
'use strict';

(function () {
  const REFRESH_MS = 5000;

  // --- talking to the API ---------------------------------------------------------

  // GET `url` as JSON; a lapsed login goes back to the form.
  async function getJson(url) {
    const response = await fetch(url, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    return answer(response);
  }

  // POST `body` to `url` as JSON, as the dashboard's own scripts do.
  async function send(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-jdeploy-csrf': '1',
      },
      body: JSON.stringify(body || {}),
    });
    return answer(response);
  }

  async function answer(response) {
    if (response.status === 401) {
      window.location.assign('/login');
      throw new Error('the login has lapsed');
    }
    let value = null;
    try {
      value = await response.json();
    } catch (_) {
      value = null;
    }
    if (!response.ok) {
      const said = value && typeof value.error === 'string' ? value.error : '';
      throw new Error(said || 'the server answered ' + response.status);
    }
    return value;
  }

  // --- building the page ----------------------------------------------------------

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // A table cell, labelled for the stacked phone layout.
  function cell(row, label, content, className) {
    const td = element('td', undefined, className);
    td.dataset.label = label;
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content === undefined || content === null ? '-' : String(content);
    row.appendChild(td);
    return td;
  }

  function link(href, text) {
    const a = element('a', text);
    a.href = href;
    return a;
  }

  // A state word, coloured by its class (only letters, digits, - and _ reach the class).
  function stateBadge(state) {
    const word = state || '-';
    return element('span', word, 'state state-' + word.replace(/[^A-Za-z0-9_-]/g, ''));
  }

  function say(node, text) {
    if (!node) return;
    node.textContent = text || '';
    node.hidden = !text;
  }

  function short(release) {
    return release ? String(release).slice(0, 12) : '-';
  }

  // As `jdeploy status` shows uptime: the two largest units (`4m10s`, `2h`, `3d4h`).
  function uptime(seconds) {
    if (seconds === null || seconds === undefined) return '-';
    const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
    const parts = [];
    let rest = Math.floor(seconds);
    for (const [name, size] of units) {
      if (rest >= size || (parts.length === 0 && size === 1)) {
        parts.push(Math.floor(rest / size) + name);
        rest %= size;
      } else if (parts.length > 0) {
        parts.push('');
      }
      if (parts.length === 2) break;
    }
    return parts.join('');
  }

  function seconds(value) {
    if (typeof value !== 'number') return '-';
    return value >= 10 || Number.isInteger(value) ? value.toFixed(0) + 's' : value.toFixed(1) + 's';
  }

  function groupPath(group) {
    return '/groups/' + encodeURIComponent(group);
  }

  // --- the fleet table (fleet and group pages) -------------------------------------

  function fleetTable(table) {
    const body = table.tBodies[0];
    const updated = document.getElementById('fleet-updated');
    const failed = document.getElementById('fleet-error');
    const url = table.dataset.statusUrl;
    let timer = null;

    function row(status) {
      const tr = element('tr');
      tr.dataset.container = status.container;
      cell(tr, 'Group', link(groupPath(status.group), status.group));
      cell(tr, 'Container', status.core ? status.container + ' (core)' : status.container);
      cell(tr, 'Host', status.host);
      cell(tr, 'State', stateBadge(status.state), 'state-cell');
      cell(tr, 'Health', status.health || '-');
      cell(tr, 'Uptime', uptime(status.uptime_secs));
      cell(tr, 'Release', short(status.release), 'mono');
      cell(tr, 'Note', status.note || (status.config_differs ? 'configuration differs from groups.yaml' : ''), 'detail');
      return tr;
    }

    async function refresh() {
      timer = null;
      try {
        const report = await getJson(url);
        const rows = report.rows.map(row);
        if (rows.length === 0) {
          const empty = element('tr');
          const td = element('td', 'No container to show.', 'muted');
          td.colSpan = 8;
          empty.appendChild(td);
          rows.push(empty);
        }
        body.replaceChildren(...rows);
        say(failed, '');
        updated.textContent = report.rows.length + ' containers, updated ' +
          new Date().toLocaleTimeString() + ' (every ' + REFRESH_MS / 1000 + 's)';
      } catch (err) {
        say(failed, 'Could not refresh: ' + err.message);
      }
      if (!document.hidden) timer = window.setTimeout(refresh, REFRESH_MS);
    }

    // No polling while the tab is hidden; at once when it shows again.
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && timer === null) refresh();
    });
    refresh();
  }

  // --- deploy and request forms (group page) ----------------------------------------

  // The deploy a form describes, as POST /groups/{group}/deploy takes it: blank fields
  // are left to the group's own settings.
  function deployBody(form) {
    const data = new FormData(form);
    const body = { monitor: data.has('monitor'), force: data.has('force') };
    for (const key of ['mode', 'canary', 'batch', 'min_healthy', 'deadline', 'max_failures', 'on_failure']) {
      const value = String(data.get(key) || '').trim();
      if (value) body[key] = value;
    }
    return body;
  }

  function deployForm(form) {
    const failed = document.getElementById('deploy-error');
    form.addEventListener('submit', async (event) => {
      // "Show plan" is the form's own GET; "Deploy" goes to the API.
      if (!event.submitter || event.submitter.dataset.action !== 'deploy') return;
      event.preventDefault();
      const button = event.submitter;
      button.disabled = true;
      say(failed, '');
      try {
        const job = await send(form.dataset.deployUrl, deployBody(form));
        window.location.assign('/jobs/' + encodeURIComponent(job.id));
      } catch (err) {
        say(failed, err.message);
        button.disabled = false;
      }
    });
  }

  function requestForm(form) {
    const failed = document.getElementById('request-error');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      say(failed, '');
      const reason = String(new FormData(form).get('reason') || '').trim();
      const deploy = deployBody(form);
      try {
        await send(form.dataset.requestUrl, { reason: reason, deploy: deploy });
        window.location.assign('/requests');
      } catch (err) {
        say(failed, err.message);
        button.disabled = false;
      }
    });
  }

  // --- a job's progress (job page) --------------------------------------------------

  function jobProgress(url) {
    const steps = document.getElementById('steps');
    const state = document.getElementById('job-state');
    const failed = document.getElementById('job-error');
    const source = new EventSource(url);

    source.addEventListener('step', (event) => {
      const follow = steps.scrollTop + steps.clientHeight >= steps.scrollHeight - 8;
      steps.appendChild(element('li', event.data));
      if (follow) steps.scrollTop = steps.scrollHeight;
    });

    source.addEventListener('end', (event) => {
      // The stream ends here; without close() the browser would reconnect.
      source.close();
      const job = JSON.parse(event.data);
      state.replaceWith(stateBadgeWithId(job.state));
      say(failed, job.error || '');
      if (job.run_id !== null && job.run_id !== undefined) {
        document.getElementById('job-run').replaceChildren(link('/history/' + job.run_id, '#' + job.run_id));
      }
      outcomes(job.report && Array.isArray(job.report.outcomes) ? job.report.outcomes : []);
    });

    // The browser reconnects by itself, from the last step it saw.
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) say(failed, 'The connection to the server was lost: reload to follow the job.');
    });
  }

  function stateBadgeWithId(word) {
    const badge = stateBadge(word);
    badge.id = 'job-state';
    return badge;
  }

  function outcomes(list) {
    const section = document.getElementById('outcomes-section');
    const body = document.getElementById('outcomes').tBodies[0];
    const rows = list.map((outcome) => {
      const tr = element('tr');
      tr.dataset.container = outcome.container;
      cell(tr, 'Container', outcome.core ? outcome.container + ' (core)' : outcome.container);
      cell(tr, 'Host', outcome.host);
      cell(tr, 'Status', stateBadge(outcome.status), 'status-cell');
      cell(tr, 'Release', short(outcome.release), 'mono');
      cell(tr, 'Batch', outcome.batch || '-');
      cell(tr, 'Elapsed', seconds(outcome.elapsed));
      cell(tr, 'Detail', outcome.detail || '', 'detail');
      return tr;
    });
    body.replaceChildren(...rows);
    section.hidden = rows.length === 0;
  }

  // --- deciding requests (requests page) --------------------------------------------

  function decisions() {
    const failed = document.getElementById('requests-error');
    for (const button of document.querySelectorAll('[data-approve-url]')) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        say(failed, '');
        try {
          const decided = await send(button.dataset.approveUrl, {});
          window.location.assign(decided.job_id ? '/jobs/' + encodeURIComponent(decided.job_id) : '/requests');
        } catch (err) {
          say(failed, err.message);
          button.disabled = false;
        }
      });
    }
    for (const form of document.querySelectorAll('form[data-reject-url]')) {
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const reason = String(new FormData(form).get('reason') || '').trim();
        say(failed, '');
        try {
          await send(form.dataset.rejectUrl, { reason: reason });
          window.location.reload();
        } catch (err) {
          say(failed, err.message);
        }
      });
    }
  }

  // --- start ------------------------------------------------------------------------

  function start() {
    const table = document.getElementById('fleet');
    if (table) fleetTable(table);
    const deploy = document.getElementById('deploy-form');
    if (deploy) deployForm(deploy);
    const request = document.getElementById('request-form');
    if (request) requestForm(request);
    if (document.body.dataset.page === 'job') jobProgress(document.body.dataset.eventsUrl);
    if (document.body.dataset.page === 'requests') decisions();
  }

  start();
})();
