// Console script, part 1 of 3: texts and formats, the DOM helpers, the API client, routing, log-in and the page frame.
// The parts are one script, concatenated in file-name order by functions/console/src/handler.rs (part 1
// opens the closure every part shares, part 3 closes it).
// The operator and warehouse console. Everything on screen comes from the back-office API (/v1/...), called with
// the session cookie and, for writes, the session's CSRF token. Text from the API is only ever put on the page as
// text (textContent), never as HTML.
'use strict';

(() => {
  const state = { messages: {}, language: 'en', languages: [], session: null, cursors: [] };
  // The order statuses, their badge tones and what each allows: the domain's table, carried by the page.
  const STATUS_TABLE = JSON.parse(document.getElementById('statuses').textContent);
  const STATUSES = STATUS_TABLE.map((s) => s.status);
  const statusInfo = (status) => STATUS_TABLE.find((s) => s.status === status) || {};
  const TYPES = ['purchase', 'express', 'blanket', 'call_off', 'sales', 'standing', 'cross_docking'];
  const REPORTS = ['sales_by_day', 'sales_by_customer', 'sales_by_channel', 'sales_by_product', 'top_products',
    'top_customers', 'order_tracking', 'lead_times', 'lead_time_summary', 'gross_margin', 'invoice_register',
    'customer_statement'];
  const LOCALES = { en: 'en-GB', sv: 'sv-SE', de: 'de-DE', pl: 'pl-PL', lt: 'lt-LT', zh: 'zh-CN' };

  // ------------------------------------------------------------------ texts and formats
  function t(key, vars) {
    let text = state.messages[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split('{' + name + '}').join(String(value));
    return text;
  }
  const locale = () => LOCALES[state.language] || 'en-GB';
  function money(amount, currency) {
    if (amount === null || amount === undefined || amount === '') return '';
    try {
      return new Intl.NumberFormat(locale(), { style: 'currency', currency: currency || 'EUR' }).format(amount);
    } catch (_) {
      return amount + ' ' + (currency || '');
    }
  }
  function quantity(value) {
    if (value === null || value === undefined || value === '') return '';
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: 4 }).format(value);
  }
  function day(value) {
    if (!value) return '';
    const [y, m, d] = value.split('-').map(Number);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
  }
  function moment(value) {
    if (!value) return '';
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
  }
  const statusText = (status) => t('status.' + status);
  // What a line is, for labels: its SKU, or a free-text line's description (it has no SKU).
  const article = (line) => line.sku || line.description;

  // ------------------------------------------------------------------ DOM
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else if (value === true) node.setAttribute(name, '');
      else node.setAttribute(name, value);
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const main = () => document.getElementById('main');
  function field(label, input, hint) {
    const id = input.id || ('f-' + Math.random().toString(36).slice(2));
    input.id = id;
    return h('div', { class: 'field' }, h('label', { for: id, text: label }), input,
      hint ? h('small', { text: hint }) : null);
  }
  function link(href, text, attrs) {
    return h('a', Object.assign({ href, onclick: navigate }, attrs || {}), text);
  }
  function badge(status) {
    return h('span', { class: 'badge status-' + status + ' tone-' + (statusInfo(status).tone || 'neutral'),
      'data-status': status, text: statusText(status) });
  }

  // ------------------------------------------------------------------ API
  class Problem extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
    }
  }
  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ Accept: 'application/json' }, extraHeaders || {});
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrf_token;
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = { detail: text }; }
    if (!response.ok) {
      if (response.status === 401 && path !== '/console/session') {
        state.session = null;
        render();
      }
      throw new Problem(response.status, data);
    }
    return { data, headers: response.headers };
  }
  function problemBox(error) {
    const body = error.body || {};
    const box = h('div', { class: 'problem', role: 'alert' },
      h('strong', { text: t('problem.title', { status: error.status || '' }) + ' ' + (body.title || '') }),
      h('p', { text: body.detail || error.message }));
    const items = (body.errors || []).map((e) => h('li', {
      text: (e.pointer || e.parameter || e.header || '') + ': ' + e.detail,
    }));
    if (items.length) box.append(h('ul', {}, items));
    return box;
  }
  function showProblem(container, error) {
    container.replaceChildren(problemBox(error));
    container.focus();
  }
  function notice(container, text) {
    container.replaceChildren(h('div', { class: 'notice', role: 'status', text }));
  }

  // ------------------------------------------------------------------ routing
  function navigate(event) {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button > 0) return;
    const href = event.currentTarget.getAttribute('href');
    if (!href || !href.startsWith('/console')) return;
    event.preventDefault();
    history.pushState({}, '', href);
    render();
  }
  window.addEventListener('popstate', () => render());

  async function boot() {
    try {
      const { data } = await api('GET', '/console/session');
      state.messages = data.messages;
      state.language = data.language;
      state.languages = data.languages;
      state.session = data.signed_in ? data.session : null;
    } catch (error) {
      document.getElementById('app').replaceChildren(problemBox(error));
      return;
    }
    render();
  }

  function render() {
    document.documentElement.lang = state.language;
    document.title = t('app.title');
    const app = document.getElementById('app');
    if (!state.session) {
      app.replaceChildren(loginView());
      const input = document.getElementById('login-key');
      if (input) input.focus();
      return;
    }
    app.replaceChildren(layout());
    const path = location.pathname.replace(/\/+$/, '');
    const parts = path.split('/').slice(2);
    const view = main();
    if (parts[0] === 'new-order') newOrderView(view);
    else if (parts[0] === 'orders' && parts[1]) orderView(view, decodeURIComponent(parts[1]));
    else if (parts[0] === 'stock') stockView(view);
    else if (parts[0] === 'products') productsView(view);
    else if (parts[0] === 'reports') reportsView(view);
    else if (parts[0] === 'quotes' && parts[1]) quoteView(view, decodeURIComponent(parts[1]));
    else if (parts[0] === 'quotes') quotesView(view);
    else if (parts[0] === 'requests') buyerRequestsView(view);
    else if (parts[0] === 'keys') keysView(view);
    else if (parts[0] === 'webhooks') webhooksView(view);
    else if (parts[0] === 'settings') settingsView(view);
    else if (parts[0] === 'customers') customersView(view, parts[1] ? decodeURIComponent(parts[1]) : null);
    else ordersView(view);
  }

  // ------------------------------------------------------------------ login and frame
  function languagePicker() {
    const select = h('select', {
      id: 'language', onchange: async (e) => {
        // This browser remembers it for the log-in page; a signed-in person's choice goes with their key.
        document.cookie = 'console_lang=' + e.target.value + '; Path=/; Max-Age=31536000; SameSite=Strict';
        if (state.session) {
          try { await api('PUT', '/console/session', { language: e.target.value }); } catch (_) { /* the cookie still holds it */ }
        }
        boot();
      },
    }, state.languages.map((l) => h('option', { value: l.tag, selected: l.tag === state.language, text: l.name })));
    return field(t('app.language'), select);
  }

  function loginView() {
    const errors = h('div', { id: 'login-errors', tabindex: '-1' });
    const key = h('input', { id: 'login-key', name: 'key', type: 'password', autocomplete: 'current-password', required: true });
    const form = h('form', {
      class: 'card login', onsubmit: async (event) => {
        event.preventDefault();
        try {
          const { data } = await api('POST', '/console/session', { key: key.value });
          state.session = data.session;
          if (!location.pathname.startsWith('/console/')) history.replaceState({}, '', '/console/orders');
          // The texts again: the person may have chosen a language with their key in another browser.
          await boot();
        } catch (error) {
          showProblem(errors, error);
        }
      },
    },
    h('h1', { text: t('app.title') }),
    h('p', { text: t('login.intro') }),
    field(t('login.key'), key),
    h('button', { type: 'submit', id: 'login-submit', text: t('login.submit') }),
    errors,
    languagePicker());
    return h('main', { id: 'main' }, form);
  }

  function layout() {
    const nav = [['orders', t('nav.orders')], ['requests', t('nav.requests')], ['quotes', t('nav.quotes')],
      ['customers', t('nav.customers')], ['stock', t('nav.stock')],
      ['products', t('nav.products')], ['reports', t('nav.reports')]];
    if (isOperator()) nav.splice(1, 0, ['new-order', t('nav.new_order')]);
    if (isOperator()) nav.push(['keys', t('nav.keys')], ['webhooks', t('nav.webhooks')], ['settings', t('nav.settings')]);
    const current = location.pathname.split('/')[2] || 'orders';
    const logout = h('button', {
      type: 'button', id: 'logout', class: 'secondary', onclick: async () => {
        try { await api('DELETE', '/console/session'); } catch (_) { /* the cookie is gone either way */ }
        state.session = null;
        history.pushState({}, '', '/console');
        render();
      }, text: t('nav.logout'),
    });
    return h('div', { class: 'frame' },
      h('a', { class: 'skip', href: '#main', text: t('app.skip') }),
      h('header', { class: 'top' },
        h('span', { class: 'brand', text: t('app.title') }),
        h('nav', { 'aria-label': t('nav.label') },
          h('ul', {}, nav.map(([id, label]) => h('li', {},
            link('/console/' + id, label, { 'aria-current': id === current ? 'page' : null, id: 'nav-' + id }))))),
        h('span', { class: 'who', id: 'who', text: t('app.who', { tenant: state.session.tenant, role: t('role.' + state.session.role) }) }),
        languagePicker(),
        logout),
      h('main', { id: 'main', tabindex: '-1' }));
  }

  const isOperator = () => state.session && state.session.role === 'operator';
