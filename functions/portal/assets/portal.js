// The buyer portal. A magic link arrives as /portal/quotes/{id}#link=TOKEN: the token (never sent in a URL to a
// server, never in a Referer) becomes a portal session cookie, then leaves the address bar. Everything shown comes
// from /v1/portal/... and is put on the page as text (textContent), never as HTML.
'use strict';

(() => {
  const texts = JSON.parse(document.getElementById('texts').textContent);
  const lang = document.documentElement.lang || 'en';
  const LOCALES = { en: 'en-GB', sv: 'sv-SE', de: 'de-DE', pl: 'pl-PL', lt: 'lt-LT', zh: 'zh-CN' };
  const locale = LOCALES[lang] || 'en-GB';
  let csrf = null;

  function t(key, vars) {
    let text = texts[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split('{' + name + '}').join(String(value));
    return text;
  }
  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
    } catch (_) {
      return amount + ' ' + currency;
    }
  }
  const quantity = (value) => new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(value);
  function day(value) {
    const [y, m, d] = value.split('-').map(Number);
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
  }
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.detail || response.statusText), { status: response.status });
    return data;
  }

  const app = () => document.getElementById('app');
  function show(...nodes) {
    app().replaceChildren(h('main', { id: 'main' }, ...nodes));
  }
  function problem(error) {
    return h('p', { class: 'problem', role: 'alert', id: 'problem', text: t('problem', { detail: error.message }) });
  }

  async function boot() {
    const match = location.hash.match(/link=([^&]+)/);
    try {
      if (match) {
        history.replaceState(null, '', location.pathname);
        csrf = (await api('POST', '/v1/portal/session', { link: decodeURIComponent(match[1]) })).csrf_token;
      } else {
        csrf = (await api('GET', '/v1/portal/session')).csrf_token;
      }
    } catch (error) {
      show(h('h1', { text: t('app.title') }), error.status === 401 && !match
        ? h('p', { id: 'no-session', text: t('app.no_session') }) : problem(error));
      return;
    }
    const parts = location.pathname.split('/').filter(Boolean);
    if (parts[1] === 'quotes' && parts[2]) await quoteView(decodeURIComponent(parts[2]));
    else show(h('h1', { text: t('app.title') }));
  }

  function linesTable(quote) {
    return h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'quote-lines' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: t('col.item') }),
        h('th', { scope: 'col', class: 'num', text: t('col.quantity') }),
        h('th', { scope: 'col', class: 'num', text: t('col.unit_price') }),
        h('th', { scope: 'col', class: 'num', text: t('col.amount') }))),
      h('tbody', {}, quote.lines.map((line) => h('tr', {},
        h('td', { 'data-label': t('col.item'), text: line.sku + ' ' + line.description }),
        h('td', { class: 'num', 'data-label': t('col.quantity'), text: quantity(line.quantity) }),
        h('td', { class: 'num', 'data-label': t('col.unit_price'), text: money(line.unit_price, quote.currency) }),
        h('td', { class: 'num', 'data-label': t('col.amount'), text: money(line.line_net, quote.currency) }))))));
  }

  function totals(quote) {
    const rows = [[t('total.net'), money(quote.totals.net, quote.currency)]];
    for (const a of quote.adjustments || []) {
      rows.push([a.reason, (a.kind === 'allowance' ? '−' : '+') + money(a.amount, quote.currency)]);
    }
    rows.push([t('total.vat'), money(quote.totals.vat, quote.currency)]);
    rows.push([t('total.gross'), money(quote.totals.gross, quote.currency)]);
    return h('dl', { class: 'totals', id: 'quote-totals' },
      rows.map(([name, value]) => [h('dt', { text: name }), h('dd', { text: value })]));
  }

  async function quoteView(id) {
    let quote;
    try {
      quote = await api('GET', '/v1/portal/quotes/' + encodeURIComponent(id));
    } catch (error) {
      show(h('h1', { text: t('app.title') }), problem(error));
      return;
    }
    const result = h('div', { id: 'quote-result', 'aria-live': 'polite' });
    const actions = [];
    if (quote.status === 'sent') {
      const reason = h('textarea', { id: 'decline-reason', rows: '2', maxlength: '500' });
      const accept = h('button', {
        type: 'button', id: 'accept', text: t('quote.accept'), onclick: async () => {
          accept.disabled = true;
          try {
            const order = await api('POST', '/v1/portal/quotes/' + encodeURIComponent(id) + '/acceptance',
              { version: quote.version });
            result.replaceChildren(h('p', { class: 'done', id: 'order-placed', 'data-order': order.id,
              text: t('quote.accepted', { number: order.order_number }) }));
            actionsBox.remove();
          } catch (error) {
            accept.disabled = false;
            result.replaceChildren(problem(error));
          }
        },
      });
      const decline = h('button', {
        type: 'button', id: 'decline', class: 'secondary', text: t('quote.decline'), onclick: async () => {
          try {
            await api('POST', '/v1/portal/quotes/' + encodeURIComponent(id) + '/decline',
              { version: quote.version, reason: reason.value });
            result.replaceChildren(h('p', { id: 'quote-declined', text: t('quote.declined') }));
            actionsBox.remove();
          } catch (error) {
            result.replaceChildren(problem(error));
          }
        },
      });
      actions.push(h('div', { class: 'field' }, h('label', { for: 'decline-reason', text: t('quote.reason') }), reason),
        h('div', { class: 'buttons' }, accept, decline));
    }
    const actionsBox = h('div', { class: 'card', id: 'quote-actions' }, actions);
    const earlier = (quote.versions || []).filter((v) => v.version !== quote.version);
    show(
      h('h1', { id: 'quote-title' }, t('quote.title', { id: quote.id }), ' ',
        h('span', { class: 'badge status-' + quote.status, 'data-status': quote.status, text: t('status.' + quote.status) })),
      h('p', { id: 'quote-meta', text: t('quote.version', { n: quote.version }) + ' · ' +
        t('quote.valid_until', { date: day(quote.valid_until_date) }) }),
      h('div', { class: 'card' }, linesTable(quote), totals(quote),
        quote.notes ? h('p', { id: 'quote-notes' }, h('strong', { text: t('notes') + ': ' }), quote.notes) : null),
      actions.length ? actionsBox : null,
      result,
      earlier.length ? h('section', { class: 'card', id: 'earlier-versions' }, h('h2', { text: t('quote.earlier') }),
        h('ul', {}, earlier.map((v) => h('li', { text: t('quote.version', { n: v.version }) + ' · ' +
          t('status.' + v.status) + ' · ' + money(v.totals.gross, v.currency) })))) : null);
  }

  boot();
})();
