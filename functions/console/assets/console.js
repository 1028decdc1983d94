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
    if (parts[0] === 'orders' && parts[1]) orderView(view, decodeURIComponent(parts[1]));
    else if (parts[0] === 'stock') stockView(view);
    else if (parts[0] === 'products') productsView(view);
    else if (parts[0] === 'reports') reportsView(view);
    else if (parts[0] === 'quotes' && parts[1]) quoteView(view, decodeURIComponent(parts[1]));
    else if (parts[0] === 'quotes') quotesView(view);
    else if (parts[0] === 'requests') buyerRequestsView(view);
    else if (parts[0] === 'keys') keysView(view);
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
      ['stock', t('nav.stock')],
      ['products', t('nav.products')], ['reports', t('nav.reports')]];
    if (isOperator()) nav.push(['keys', t('nav.keys')]);
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

  // ------------------------------------------------------------------ order list
  function ordersView(view) {
    const query = new URLSearchParams(location.search);
    const statuses = new Set((query.get('status') || '').split(',').filter(Boolean));
    const search = h('input', { id: 'search', type: 'search', name: 'q', value: query.get('q') || '' });
    const type = h('select', { id: 'filter-type', name: 'type' },
      h('option', { value: '', text: t('filter.any') }),
      TYPES.map((v) => h('option', { value: v, selected: query.get('type') === v, text: t('type.' + v) })));
    const customer = h('input', { id: 'filter-customer', name: 'customer_id', value: query.get('customer_id') || '' });
    const from = h('input', { id: 'filter-from', type: 'date', name: 'received_from', value: query.get('received_from') || '' });
    const to = h('input', { id: 'filter-to', type: 'date', name: 'received_to', value: query.get('received_to') || '' });
    const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('filter.status') },
      STATUSES.map((status) => h('button', {
        type: 'button', class: 'chip', 'data-status': status, 'aria-pressed': statuses.has(status) ? 'true' : 'false',
        onclick: (e) => {
          const pressed = e.currentTarget.getAttribute('aria-pressed') === 'true';
          e.currentTarget.setAttribute('aria-pressed', pressed ? 'false' : 'true');
          apply();
        },
      }, statusText(status), h('span', { class: 'count', 'data-count-for': status }))));
    function apply(event) {
      if (event) event.preventDefault();
      const next = new URLSearchParams();
      const pressed = [...chips.querySelectorAll('[aria-pressed=true]')].map((b) => b.dataset.status);
      if (pressed.length) next.set('status', pressed.join(','));
      for (const input of [search, type, customer, from, to]) if (input.value.trim()) next.set(input.name, input.value.trim());
      state.cursors = [];
      history.pushState({}, '', '/console/orders' + (next.toString() ? '?' + next : ''));
      render();
    }
    const form = h('form', { class: 'filters', role: 'search', onsubmit: apply },
      field(t('filter.search'), search, t('filter.search_hint')),
      field(t('filter.type'), type), field(t('filter.customer'), customer),
      field(t('filter.from'), from), field(t('filter.to'), to),
      h('button', { type: 'submit', id: 'apply-filters', text: t('filter.apply') }));
    const results = h('div', { id: 'results', tabindex: '-1' }, h('p', { class: 'loading', text: t('app.loading') }));
    view.replaceChildren(h('h1', { text: t('orders.title') }), chips, form, results);
    loadCounts(chips);
    loadOrders(results, query);
  }

  async function loadCounts(chips) {
    try {
      const { data } = await api('GET', '/v1/order-counts');
      for (const [status, count] of Object.entries(data.counts || {})) {
        const cell = chips.querySelector('[data-count-for="' + status + '"]');
        if (cell) cell.textContent = ' ' + quantity(String(count));
      }
    } catch (_) { /* counts are a help, not the list */ }
  }

  async function loadOrders(results, query) {
    const params = new URLSearchParams();
    for (const name of ['status', 'type', 'customer_id', 'q']) if (query.get(name)) params.set(name, query.get(name));
    if (query.get('received_from')) params.set('received_from', query.get('received_from') + 'T00:00:00Z');
    if (query.get('received_to')) params.set('received_to', query.get('received_to') + 'T23:59:59Z');
    params.set('limit', '25');
    const cursor = state.cursors[state.cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    try {
      const { data } = await api('GET', '/v1/orders?' + params);
      const rows = data.items.map((o) => h('tr', { 'data-order-id': o.id },
        h('td', { 'data-label': t('orders.number') },
          isOperator() ? h('input', { type: 'checkbox', class: 'pick', value: o.id, 'aria-label': t('merge.pick', { number: o.order_number }) }) : null,
          ' ', link('/console/orders/' + encodeURIComponent(o.id), o.order_number),
          o.express ? h('span', { class: 'express', text: t('orders.express') }) : null),
        h('td', { 'data-label': t('orders.buyer'), text: o.buyer.name }),
        h('td', { 'data-label': t('orders.amount'), class: 'num', text: money(o.gross, o.currency) }),
        h('td', { 'data-label': t('orders.requested'), text: day(o.requested_delivery_date) }),
        h('td', { 'data-label': t('orders.received'), text: moment(o.received_at) }),
        h('td', { 'data-label': t('orders.status') }, badge(o.status))));
      const table = rows.length
        ? h('table', { class: 'list' },
          h('caption', { class: 'sr-only', text: t('orders.title') }),
          h('thead', {}, h('tr', {}, ['orders.number', 'orders.buyer', 'orders.amount', 'orders.requested',
            'orders.received', 'orders.status'].map((k) => h('th', { scope: 'col', text: t(k) })))),
          h('tbody', {}, rows))
        : h('p', { class: 'empty', text: t('orders.none') });
      const pager = h('div', { class: 'pager' },
        state.cursors.length ? h('button', {
          type: 'button', class: 'secondary', id: 'previous-page', text: t('list.previous'),
          onclick: () => { state.cursors.pop(); loadOrders(results, query); },
        }) : null,
        data.next_cursor ? h('button', {
          type: 'button', class: 'secondary', id: 'next-page', text: t('list.next'),
          onclick: () => { state.cursors.push(data.next_cursor); loadOrders(results, query); },
        }) : null);
      const mergeErrors = h('div', { id: 'merge-result', tabindex: '-1' });
      const merge = isOperator() && rows.length > 1 ? h('div', { class: 'merge' }, h('button', {
        type: 'button', class: 'secondary', id: 'merge-selected', text: t('merge.submit'), onclick: async () => {
          const ids = [...results.querySelectorAll('input.pick:checked')].map((c) => c.value);
          try {
            const { data: merged } = await api('POST', '/v1/orders/merge', { order_ids: ids });
            history.pushState({}, '', '/console/orders/' + encodeURIComponent(merged.id));
            render();
          } catch (error) {
            showProblem(mergeErrors, error);
          }
        },
      }), mergeErrors) : null;
      results.replaceChildren(table, merge, pager);
    } catch (error) {
      showProblem(results, error);
    }
  }

  // ------------------------------------------------------------------ order detail
  async function orderView(view, id) {
    view.replaceChildren(h('p', { class: 'loading', text: t('app.loading') }));
    let order;
    try {
      order = await fetchOrder(id);
    } catch (error) {
      showProblem(view, error);
      return;
    }
    drawOrder(view, order);
  }

  // An order with the ETag writes send back in If-Match (a change made meanwhile answers 412).
  async function fetchOrder(id) {
    const { data, headers } = await api('GET', '/v1/orders/' + encodeURIComponent(id));
    data.etag = headers.get('ETag');
    return data;
  }
  const orderPath = (order, rest) => '/v1/orders/' + encodeURIComponent(order.id) + (rest || '');
  const ifMatch = (order) => (order.etag ? { 'If-Match': order.etag } : {});

  function drawOrder(view, order) {
    const messages = h('div', { id: 'action-result', tabindex: '-1', 'aria-live': 'polite' });
    const totals = order.totals || {};
    const header = h('section', { class: 'card order-head', 'aria-labelledby': 'order-title' },
      h('h1', { id: 'order-title' }, t('order.title', { number: order.order_number }), ' ', badge(order.status),
        order.type === 'express' ? h('span', { class: 'express', text: t('orders.express') }) : null),
      h('dl', { class: 'facts' },
        fact(t('orders.buyer'), order.buyer.name + (order.buyer.customer_id ? ' (' + order.buyer.customer_id + ')' : '')),
        fact(t('order.email'), order.buyer.email),
        fact(t('filter.type'), t('type.' + order.type)),
        fact(t('orders.received'), moment(order.received_at)),
        fact(t('orders.requested'), day(order.requested_delivery_date)),
        fact(t('order.address'), [order.delivery_address.name, order.delivery_address.street,
          order.delivery_address.postal_code + ' ' + order.delivery_address.city, order.delivery_address.country].join(', ')),
        order.notes ? fact(t('order.buyer_notes'), order.notes) : null,
        order.response_reason ? fact(t('order.reason'), order.response_reason) : null),
      h('dl', { class: 'totals', id: 'order-totals' },
        fact(t('totals.net'), money(totals.net, order.currency)),
        fact(t('totals.allowances'), money(totals.allowances, order.currency)),
        fact(t('totals.charges'), money(totals.charges, order.currency)),
        fact(t('totals.vat'), money(totals.vat, order.currency)),
        fact(t('totals.gross'), money(totals.gross, order.currency), 'gross')));
    const lines = h('section', { class: 'card', 'aria-labelledby': 'lines-title' },
      h('h2', { id: 'lines-title', text: t('order.lines') }),
      h('div', { class: 'scroll' }, h('table', { class: 'list lines' },
        h('thead', {}, h('tr', {}, ['line.no', 'line.sku', 'line.description', 'line.ordered', 'line.confirmed',
          'line.shipped', 'line.invoiced', 'line.open', 'line.unit_price', 'line.net'].map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', {}, order.lines.map((l) => h('tr', { 'data-line': l.line_no },
          h('td', { 'data-label': t('line.no'), text: l.line_no }),
          h('td', { 'data-label': t('line.sku'), text: l.sku }),
          h('td', { 'data-label': t('line.description'), text: l.description || '' }),
          h('td', { 'data-label': t('line.ordered'), class: 'num', text: quantity(l.quantity) }),
          h('td', { 'data-label': t('line.confirmed'), class: 'num', text: quantity(l.confirmed_quantity) }),
          h('td', { 'data-label': t('line.shipped'), class: 'num', text: quantity(l.shipped_quantity) }),
          h('td', { 'data-label': t('line.invoiced'), class: 'num', text: quantity(l.invoiced_quantity) }),
          h('td', { 'data-label': t('line.open'), class: 'num', text: quantity(l.open_quantity) }),
          h('td', { 'data-label': t('line.unit_price'), class: 'num', text: money(l.unit_price, order.currency) }),
          h('td', { 'data-label': t('line.net'), class: 'num', text: money(l.line_net, order.currency) })))))));
    const actions = h('section', { class: 'card actions', 'aria-labelledby': 'actions-title' },
      h('h2', { id: 'actions-title', text: t('order.actions') }), messages);
    const refresh = (updated) => drawOrder(view, updated);
    const forms = actionForms(order, messages, refresh);
    if (forms.length) append(actions, forms);
    else actions.append(h('p', { class: 'empty', text: t('order.no_actions') }));
    view.replaceChildren(
      h('p', {}, link('/console/orders', '← ' + t('nav.orders'))),
      header, lines, requestsSection(order, refresh), actions,
      notesSection(order, refresh),
      buyerSection(order),
      despatchesSection(order),
      invoicesSection(order, messages, refresh),
      documentsSection(order),
      historySection(order));
  }

  function fact(label, value, cls) {
    if (value === null || value === undefined || value === '') return null;
    return h('div', { class: cls || null }, h('dt', { text: label }), h('dd', { text: value }));
  }

  async function act(messages, work, refresh, order) {
    try {
      const result = await work();
      const updated = await fetchOrder(order.id);
      refresh(updated);
      const box = document.getElementById('action-result');
      if (box) {
        notice(box, t('action.done', { status: statusText(updated.status), gross: money(updated.totals.gross, updated.currency) }));
        if (result && result.follow) box.append(h('p', {}, link(result.follow.href, result.follow.text, { id: 'follow-link' })));
        box.focus();
      }
    } catch (error) {
      showProblem(messages, error);
    }
  }

  function actionForms(order, messages, refresh) {
    const forms = [];
    const allows = statusInfo(order.status);
    if (isOperator() && allows.can_respond) forms.push(respondForm(order, messages, refresh));
    const despatchable = allows.can_despatch && order.lines.some((l) => Number(l.open_quantity) > 0);
    if (despatchable) forms.push(despatchForm(order, messages, refresh));
    const nothingShipped = order.lines.every((l) => Number(l.shipped_quantity) === 0);
    if (isOperator() && nothingShipped && allows.can_change) {
      forms.push(changeForm(order, messages, refresh));
    }
    if (isOperator() && nothingShipped && allows.offers_split) {
      forms.push(splitForm(order, messages, refresh));
    }
    if (isOperator() && order.lines.some((l) => Number(l.shipped_quantity) > Number(l.invoiced_quantity))) {
      forms.push(h('form', {
        class: 'action', id: 'invoice-form', onsubmit: (event) => {
          event.preventDefault();
          act(messages, () => api('POST', orderPath(order, '/invoices'), undefined, ifMatch(order)), refresh, order);
        },
      }, h('h3', { text: t('invoice.issue_title') }), h('p', { text: t('invoice.issue_hint') }),
      h('button', { type: 'submit', id: 'invoice-submit', text: t('invoice.issue') })));
    }
    if (isOperator() && allows.offers_ending) {
      forms.push(endingForm(order, messages, refresh));
    }
    return forms;
  }

  function respondForm(order, messages, refresh) {
    const decision = h('select', { id: 'respond-decision', name: 'decision' },
      ['accept', 'accept_with_changes', 'reject'].map((d) => h('option', { value: d, text: t('respond.' + d) })));
    const lineInputs = order.lines.map((l) => ({
      line: l,
      confirmed: h('input', { id: 'respond-confirmed-' + l.line_no, inputmode: 'decimal', value: l.quantity }),
      price: h('input', { id: 'respond-price-' + l.line_no, inputmode: 'decimal', value: l.unit_price }),
    }));
    const changes = h('fieldset', { class: 'changes', id: 'respond-lines' },
      h('legend', { text: t('respond.lines') }),
      lineInputs.map(({ line, confirmed, price }) => h('div', { class: 'row' },
        h('span', { class: 'row-label', text: line.line_no + ' · ' + line.sku }),
        field(t('line.confirmed'), confirmed), field(t('line.unit_price'), price))));
    const freight = h('input', { id: 'respond-freight', inputmode: 'decimal', placeholder: '0.00' });
    const freightRate = h('input', { id: 'respond-freight-rate', inputmode: 'decimal', value: '25' });
    const discount = h('input', { id: 'respond-discount', inputmode: 'decimal', placeholder: '0' });
    const discountRate = h('input', { id: 'respond-discount-rate', inputmode: 'decimal', value: '25' });
    const reason = h('textarea', { id: 'respond-reason', rows: '2', maxlength: '500' });
    const sync = () => { changes.hidden = decision.value !== 'accept_with_changes'; };
    decision.addEventListener('change', sync);
    sync();
    return h('form', {
      class: 'action', id: 'respond-form', onsubmit: (event) => {
        event.preventDefault();
        const body = { decision: decision.value };
        if (reason.value.trim()) body.reason = reason.value.trim();
        if (decision.value === 'accept_with_changes') {
          body.lines = lineInputs
            .filter(({ line, confirmed, price }) => confirmed.value.trim() !== String(line.quantity) || price.value.trim() !== String(line.unit_price))
            .map(({ line, confirmed, price }) => {
              const change = { line_no: line.line_no };
              if (confirmed.value.trim() !== String(line.quantity)) change.confirmed_quantity = confirmed.value.trim();
              if (price.value.trim() !== String(line.unit_price)) change.unit_price = price.value.trim();
              return change;
            });
        }
        if (decision.value !== 'reject' && freight.value.trim()) {
          body.charges = [{ reason: t('respond.freight_reason'), amount: freight.value.trim(), vat_category: 'S', vat_rate: freightRate.value.trim() }];
        }
        if (decision.value !== 'reject' && discount.value.trim()) {
          body.allowances = [{ reason: t('respond.discount_reason'), percent: discount.value.trim(), vat_category: 'S', vat_rate: discountRate.value.trim() }];
        }
        act(messages, () => api('POST', '/v1/orders/' + encodeURIComponent(order.id) + '/response', body), refresh, order);
      },
    },
    h('h3', { text: t('respond.title') }),
    field(t('respond.decision'), decision), changes,
    h('div', { class: 'row' }, field(t('respond.freight'), freight), field(t('respond.vat_rate'), freightRate)),
    h('div', { class: 'row' }, field(t('respond.discount'), discount), field(t('respond.vat_rate'), discountRate)),
    field(t('respond.reason'), reason),
    h('button', { type: 'submit', id: 'respond-submit', text: t('respond.submit') }));
  }

  function changeForm(order, messages, refresh) {
    const date = h('input', { id: 'change-date', type: 'date', value: order.requested_delivery_date || '' });
    const inputs = order.lines.map((l) => ({
      line: l,
      quantity: h('input', { id: 'change-qty-' + l.line_no, inputmode: 'decimal', value: l.quantity }),
      price: h('input', { id: 'change-price-' + l.line_no, inputmode: 'decimal', value: l.unit_price }),
      remove: h('input', { id: 'change-remove-' + l.line_no, type: 'checkbox' }),
    }));
    const addSku = h('input', { id: 'change-add-sku' });
    const addQuantity = h('input', { id: 'change-add-qty', inputmode: 'decimal' });
    const reason = h('input', { id: 'change-reason', maxlength: '500' });
    return h('details', { class: 'action' }, h('summary', { text: t('change.title') }), h('form', {
      id: 'change-form', onsubmit: (event) => {
        event.preventDefault();
        const body = {};
        if (date.value && date.value !== (order.requested_delivery_date || '')) body.requested_delivery_date = date.value;
        const lines = [];
        const removed = [];
        for (const { line, quantity, price, remove } of inputs) {
          if (remove.checked) { removed.push(line.line_no); continue; }
          const change = { line_no: line.line_no };
          if (quantity.value.trim() !== String(line.quantity)) change.quantity = quantity.value.trim();
          if (price.value.trim() !== String(line.unit_price)) change.unit_price = price.value.trim();
          if (Object.keys(change).length > 1) lines.push(change);
        }
        if (lines.length) body.lines = lines;
        if (removed.length) body.remove_lines = removed;
        if (addSku.value.trim()) body.add_lines = [{ sku: addSku.value.trim(), quantity: addQuantity.value.trim() || '1' }];
        if (!Object.keys(body).length) { notice(messages, t('change.nothing')); return; }
        if (reason.value.trim()) body.reason = reason.value.trim();
        act(messages, () => api('PATCH', orderPath(order), body, ifMatch(order)), refresh, order);
      },
    },
    field(t('orders.requested'), date),
    h('fieldset', {}, h('legend', { text: t('order.lines') }), inputs.map(({ line, quantity, price, remove }) => h('div', { class: 'row' },
      h('span', { class: 'row-label', text: line.line_no + ' · ' + line.sku }),
      field(t('line.ordered'), quantity), field(t('line.unit_price'), price),
      h('div', { class: 'field check' }, remove, h('label', { for: remove.id, text: t('change.remove') }))))),
    h('div', { class: 'row' }, field(t('change.add_sku'), addSku), field(t('line.ordered'), addQuantity)),
    field(t('respond.reason'), reason),
    h('button', { type: 'submit', id: 'change-submit', text: t('change.submit') })));
  }

  function splitForm(order, messages, refresh) {
    const inputs = order.lines.map((l) => ({
      line: l, input: h('input', { id: 'split-qty-' + l.line_no, inputmode: 'decimal', placeholder: '0' }),
    }));
    return h('details', { class: 'action' }, h('summary', { text: t('split.title') }), h('form', {
      id: 'split-form', onsubmit: (event) => {
        event.preventDefault();
        const lines = inputs.filter(({ input }) => input.value.trim() && Number(input.value) !== 0)
          .map(({ line, input }) => ({ line_no: line.line_no, quantity: input.value.trim() }));
        act(messages, async () => {
          const { data } = await api('POST', orderPath(order, '/split'), { lines }, ifMatch(order));
          return { follow: { href: '/console/orders/' + encodeURIComponent(data.id), text: t('split.open', { number: data.order_number }) } };
        }, refresh, order);
      },
    }, h('p', { text: t('split.hint') }),
    inputs.map(({ line, input }) => field(line.line_no + ' · ' + line.sku + ' (' + t('line.confirmed') + ' ' + quantity(line.confirmed_quantity) + ')', input)),
    h('button', { type: 'submit', id: 'split-submit', text: t('split.submit') })));
  }

  function despatchForm(order, messages, refresh) {
    const number = h('input', { id: 'despatch-number', required: true, maxlength: '64', value: 'D-' + order.order_number + '-' + ((order.despatches || []).length + 1) });
    const inputs = order.lines.filter((l) => Number(l.open_quantity) > 0).map((l) => ({
      line: l, input: h('input', { id: 'despatch-qty-' + l.line_no, inputmode: 'decimal', value: l.open_quantity }),
    }));
    const carrier = h('input', { id: 'despatch-carrier', maxlength: '64', value: 'postnord' });
    const tracking = h('input', { id: 'despatch-tracking', maxlength: '64' });
    return h('form', {
      class: 'action', id: 'despatch-form', onsubmit: (event) => {
        event.preventDefault();
        const body = {
          despatch_number: number.value.trim(),
          lines: inputs.filter(({ input }) => input.value.trim() && Number(input.value) !== 0)
            .map(({ line, input }) => ({ line_no: line.line_no, quantity: input.value.trim() })),
        };
        if (carrier.value.trim()) body.carrier = carrier.value.trim();
        if (tracking.value.trim()) body.tracking_number = tracking.value.trim();
        act(messages, async () => {
          await retryWhileBusy(() => api('POST', '/v1/orders/' + encodeURIComponent(order.id) + '/despatches', body));
          await settle(order.id, order.status);
        }, refresh, order);
      },
    },
    h('h3', { text: t('despatch.title') }),
    field(t('despatch.number'), number),
    h('fieldset', {}, h('legend', { text: t('despatch.lines') }),
      inputs.map(({ line, input }) => field(line.line_no + ' · ' + line.sku + ' (' + t('line.open') + ' ' + quantity(line.open_quantity) + ')', input))),
    h('div', { class: 'row' }, field(t('despatch.carrier'), carrier), field(t('despatch.tracking'), tracking)),
    h('button', { type: 'submit', id: 'despatch-submit', text: t('despatch.submit') }));
  }

  // While the order's previous step is still being processed the API answers 409 and asks to retry in a moment:
  // do that for a few seconds before showing the problem.
  async function retryWhileBusy(work) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof Problem) || error.status !== 409 || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  // The shipment stage sets the status after the despatch: wait a little for it.
  async function settle(id, before) {
    for (let i = 0; i < 20; i += 1) {
      const { data } = await api('GET', '/v1/orders/' + encodeURIComponent(id));
      if (data.status !== before) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  function endingForm(order, messages, refresh) {
    const reason = h('input', { id: 'ending-reason', maxlength: '500' });
    const run = (action) => act(messages, () => api('POST', '/v1/orders/' + encodeURIComponent(order.id) + '/' + action,
      reason.value.trim() ? { reason: reason.value.trim() } : {}), refresh, order);
    return h('form', { class: 'action', id: 'ending-form', onsubmit: (e) => e.preventDefault() },
      h('h3', { text: t('ending.title') }),
      field(t('respond.reason'), reason),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'danger', id: 'cancel-order', text: t('ending.cancel'), onclick: () => run('cancellation') }),
        h('button', { type: 'button', class: 'secondary', id: 'close-order', text: t('ending.close'), onclick: () => run('closure') })));
  }

  // The buyer's change and cancellation requests from the portal: they change nothing by themselves; the seller
  // acts on the order with its own actions, then answers the request here.
  function requestsSection(order, refresh) {
    const requests = order.buyer_requests || [];
    if (!requests.length) return null;
    const errors = h('div', { tabindex: '-1' });
    const items = requests.map((r) => {
      const note = h('input', { id: 'answer-' + r.request_id, maxlength: '2000' });
      const answer = (outcome) => act(errors, () => api('POST', '/v1/orders/' + encodeURIComponent(order.id) +
        '/buyer-requests/' + encodeURIComponent(r.request_id) + '/resolution',
      note.value.trim() ? { outcome, note: note.value.trim() } : { outcome }), refresh, order);
      return h('li', { 'data-request': r.request_id, 'data-status': r.status },
        h('span', { class: 'note-meta', text: moment(r.requested_at) + ' · ' + t('request.' + r.kind) + ' · ' +
          t('request.status.' + r.status) }),
        h('p', { class: 'note-text', text: r.message }),
        r.resolution_note ? h('p', { class: 'note-text', text: r.resolution_note }) : null,
        r.status === 'open' && isOperator() ? h('div', { class: 'action' }, field(t('request.answer_note'), note),
          h('div', { class: 'buttons' },
            h('button', { type: 'button', class: 'request-done', text: t('request.done'), onclick: () => answer('done') }),
            h('button', { type: 'button', class: 'secondary request-declined', text: t('request.decline'),
              onclick: () => answer('declined') }))) : null);
    });
    return h('section', { class: 'card', 'aria-labelledby': 'requests-title', id: 'buyer-requests' },
      h('h2', { id: 'requests-title', text: t('order.buyer_requests') }), h('p', { class: 'empty', text: t('request.hint') }),
      h('ul', { class: 'notes' }, items), errors);
  }

  // What buyers wrote in the portal (their words, never the seller's) and who opened the order there.
  function buyerSection(order) {
    const messages = (order.buyer_messages || []).map((m) => h('li', {},
      h('span', { class: 'note-meta', text: moment(m.at) + ' · ' + m.customer_id }),
      h('p', { class: 'note-text', text: m.text })));
    const accesses = (order.buyer_access || []).map((a) => h('li', {},
      h('span', { class: 'note-meta', text: day(a.access_date) + ' · ' + a.customer_id + ' · ' + a.link_id }),
      h('p', { class: 'note-text', text: t('buyer.access_counts', { views: a.views, downloads: a.downloads }) })));
    if (!messages.length && !accesses.length) return null;
    return h('section', { class: 'card', 'aria-labelledby': 'buyer-messages-title', id: 'buyer-messages' },
      h('h2', { id: 'buyer-messages-title', text: t('order.buyer_messages') }),
      messages.length ? h('ul', { class: 'notes', id: 'buyer-message-list' }, messages)
        : h('p', { class: 'empty', text: t('order.none') }),
      accesses.length ? [h('h3', { text: t('order.buyer_access') }), h('ul', { class: 'notes', id: 'buyer-access' },
        accesses)] : null);
  }

  function notesSection(order, refresh) {
    const list = h('ul', { class: 'notes', id: 'notes' }, (order.seller_notes || []).map((n) => h('li', {},
      h('span', { class: 'note-meta', text: moment(n.at) + ' · ' + t('note.' + n.visibility) + ' · ' + (n.author || '') }),
      h('p', { class: 'note-text', text: n.text }))));
    const errors = h('div', { tabindex: '-1' });
    const text = h('textarea', { id: 'note-text', rows: '2', maxlength: '2000', required: true });
    const visibility = h('select', { id: 'note-visibility' },
      ['internal', 'buyer'].map((v) => h('option', { value: v, text: t('note.' + v) })));
    const form = h('form', {
      class: 'action', id: 'note-form', onsubmit: (event) => {
        event.preventDefault();
        act(errors, () => api('POST', '/v1/orders/' + encodeURIComponent(order.id) + '/notes',
          { text: text.value, visibility: visibility.value }), refresh, order);
      },
    }, field(t('note.text'), text), field(t('note.visibility'), visibility),
    h('button', { type: 'submit', id: 'note-submit', text: t('note.add') }), errors);
    return h('section', { class: 'card', 'aria-labelledby': 'notes-title' },
      h('h2', { id: 'notes-title', text: t('order.notes') }),
      list.children.length ? list : h('p', { class: 'empty', text: t('order.none') }), form);
  }

  function despatchesSection(order) {
    const items = (order.despatches || []).map((d) => h('li', {},
      h('strong', { text: d.despatch_number }), ' · ', day(d.despatch_date), ' · ',
      (d.carrier || ''), d.tracking_number ? ' · ' + d.tracking_number : '', ' · ',
      h('a', { href: '/v1/orders/' + encodeURIComponent(order.id) + '/despatches/' + encodeURIComponent(d.despatch_number), download: '', text: t('doc.despatch_advice') })));
    return h('section', { class: 'card', 'aria-labelledby': 'despatches-title', id: 'despatches' },
      h('h2', { id: 'despatches-title', text: t('order.despatches') }),
      items.length ? h('ul', {}, items) : h('p', { class: 'empty', text: t('order.none') }));
  }

  function invoicesSection(order, messages, refresh) {
    const invoices = order.invoices || [];
    const items = invoices.map((inv) => {
      const base = inv.kind === 'credit_note' ? '/v1/credit-notes/' : '/v1/invoices/';
      const pdf = inv.kind === 'credit_note' ? 'credit-note.pdf' : 'invoice.pdf';
      const xml = inv.kind === 'credit_note' ? 'credit-note.xml' : 'invoice.xml';
      const number = encodeURIComponent(inv.number);
      return h('li', { 'data-invoice': inv.number },
        h('strong', { text: t('kind.' + inv.kind) + ' ' + inv.number }), ' · ', day(inv.issue_date), ' · ',
        money(inv.payable, inv.currency), ' ',
        isOperator() ? h('a', { href: base + number + '/' + pdf, class: 'pdf', download: '', text: 'PDF' }) : null, ' ',
        isOperator() ? h('a', { href: base + number + '/' + xml, download: '', text: 'UBL' }) : null, ' ',
        isOperator() && inv.kind === 'invoice' ? correctionPanel(order, inv, messages, refresh) : null);
    });
    return h('section', { class: 'card', 'aria-labelledby': 'invoices-title', id: 'invoices' },
      h('h2', { id: 'invoices-title', text: t('order.invoices') }),
      items.length ? h('ul', {}, items) : h('p', { class: 'empty', text: t('order.none') }));
  }

  // Credit (in full, or per invoice line and quantity) or debit an invoice; the lines come from the invoice.
  function correctionPanel(order, inv, messages, refresh) {
    const number = encodeURIComponent(inv.number);
    const body = h('div', {}, h('p', { class: 'loading', text: t('app.loading') }));
    const panel = h('details', { class: 'correction', 'data-correct': inv.number },
      h('summary', { text: t('invoice.correct') }), body);
    panel.addEventListener('toggle', async () => {
      if (!panel.open || panel.dataset.loaded) return;
      panel.dataset.loaded = 'yes';
      let invoice;
      let version;
      try {
        const read = await api('GET', '/v1/invoices/' + number);
        invoice = read.data;
        version = read.headers.get('ETag');
      } catch (error) {
        showProblem(body, error);
        return;
      }
      // One key per note being written: a retry of the same note (a double click, a lost answer) issues it once.
      let idempotencyKey = crypto.randomUUID();
      const reason = h('input', { id: 'correct-reason-' + inv.number, maxlength: '500', required: true });
      const rows = invoice.lines.map((l) => ({
        line: l,
        qty: h('input', { id: 'correct-qty-' + inv.number + '-' + l.line_id, inputmode: 'decimal', placeholder: '0' }),
        price: h('input', { id: 'correct-price-' + inv.number + '-' + l.line_id, inputmode: 'decimal', value: l.unit_price }),
      }));
      const chosen = () => rows.filter(({ qty }) => qty.value.trim() && Number(qty.value) !== 0);
      const send = (kind) => {
        if (!reason.value.trim()) { reason.reportValidity(); return; }
        const payload = { reason: reason.value.trim() };
        if (kind === 'credit-notes') {
          const lines = chosen().map(({ line, qty }) => ({ line_id: line.line_id, quantity: qty.value.trim() }));
          if (lines.length) payload.lines = lines;
        } else {
          payload.lines = chosen().map(({ line, qty, price }) => ({ line_id: line.line_id, quantity: qty.value.trim(), unit_price: price.value.trim() }));
        }
        const headers = { 'Idempotency-Key': idempotencyKey };
        if (version) headers['If-Match'] = version;
        act(messages, async () => {
          const answer = await api('POST', '/v1/invoices/' + number + '/' + kind, payload, headers);
          idempotencyKey = crypto.randomUUID();
          return answer;
        }, refresh, order);
      };
      body.replaceChildren(
        h('p', { text: t('invoice.correct_hint') }),
        ...rows.map(({ line, qty, price }) => h('div', { class: 'row' },
          h('span', { class: 'row-label', text: line.line_id + ' · ' + line.sku + ' · ' + quantity(line.quantity) + ' × ' + money(line.unit_price, invoice.currency) }),
          field(t('invoice.quantity'), qty), field(t('line.unit_price'), price))),
        field(t('respond.reason'), reason),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', id: 'credit-' + inv.number, text: t('invoice.credit'), onclick: () => send('credit-notes') }),
          h('button', { type: 'button', class: 'secondary', id: 'debit-' + inv.number, text: t('invoice.debit'), onclick: () => send('debit-notes') })));
    });
    return panel;
  }

  function documentsSection(order) {
    const links = [];
    if (order.responded_at) links.push(h('li', {}, h('a', { href: '/v1/orders/' + encodeURIComponent(order.id) + '/order-response.xml', download: '', text: t('doc.order_response') })));
    if (isOperator()) links.push(h('li', {}, h('a', { href: '/v1/orders/' + encodeURIComponent(order.id) + '/proforma.pdf', download: '', text: t('doc.proforma') })));
    return h('section', { class: 'card', 'aria-labelledby': 'documents-title' },
      h('h2', { id: 'documents-title', text: t('order.documents') }),
      links.length ? h('ul', {}, links) : h('p', { class: 'empty', text: t('order.none') }));
  }

  function historySection(order) {
    return h('section', { class: 'card', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title', text: t('order.history') }),
      h('ol', { class: 'timeline', id: 'history' }, (order.history || []).map((e) => h('li', {},
        h('time', { datetime: e.at, text: moment(e.at) }), ' ',
        h('strong', { text: STATUSES.includes(e.action) ? statusText(e.action) : e.action }), ' ',
        h('span', { class: 'actor', text: e.actor }),
        e.detail ? h('p', { text: e.detail }) : null))));
  }

  // ------------------------------------------------------------------ stock, products, reports
  // Every product of the catalogue, page by page (the API pages by SKU).
  async function allProducts(customer) {
    const products = [];
    let cursor = null;
    for (let page = 0; page < 40; page += 1) {
      const params = new URLSearchParams({ limit: '200' });
      if (customer) params.set('customer', customer);
      if (cursor) params.set('cursor', cursor);
      const { data } = await api('GET', '/v1/products?' + params);
      products.push(...data.items);
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    return products;
  }

  async function stockView(view) {
    const results = h('div', { id: 'stock-results' }, h('p', { class: 'loading', text: t('app.loading') }));
    const suggestions = h('div', { id: 'stock-suggestions' });
    const messages = h('div', { tabindex: '-1', id: 'stock-result', 'aria-live': 'polite' });
    const sku = h('input', { id: 'stock-sku', required: true });
    const warehouse = h('input', { id: 'stock-warehouse', required: true });
    const lot = h('input', { id: 'stock-lot' });
    const expires = h('input', { id: 'stock-expires', type: 'date' });
    const onHand = h('input', { id: 'stock-on-hand', inputmode: 'decimal', required: true });
    const save = async (skuValue, warehouseValue, body) => {
      try {
        await api('PUT', '/v1/stock/' + encodeURIComponent(skuValue) + '/' + encodeURIComponent(warehouseValue), body);
        notice(messages, t('stock.saved'));
        loadStock(results, save);
      } catch (error) {
        showProblem(messages, error);
      }
    };
    const form = h('form', {
      class: 'card action', id: 'stock-form', onsubmit: (event) => {
        event.preventDefault();
        const body = { on_hand: onHand.value.trim() };
        if (lot.value.trim()) body.lot = lot.value.trim();
        if (expires.value) body.expires_date = expires.value;
        save(sku.value.trim(), warehouse.value.trim(), body);
      },
    }, h('h2', { text: t('stock.set') }), h('div', { class: 'row' },
      field(t('line.sku'), sku), field(t('stock.warehouse'), warehouse), field(t('stock.lot'), lot),
      field(t('stock.expires'), expires), field(t('stock.on_hand'), onHand)),
    h('button', { type: 'submit', id: 'stock-submit', text: t('stock.save') }));
    view.replaceChildren(h('h1', { text: t('nav.stock') }), messages, results, suggestions, form);
    loadStock(results, save);
    loadSuggestions(suggestions);
  }

  async function loadStock(results, save) {
    try {
      const products = await allProducts();
      const rows = [];
      for (const p of products) {
        for (const level of p.stock || []) {
          const input = h('input', {
            inputmode: 'decimal', value: level.on_hand, class: 'narrow',
            'aria-label': t('stock.on_hand') + ' ' + p.sku + ' ' + level.warehouse + (level.lot ? ' ' + level.lot : ''),
            'data-stock': p.sku + '/' + level.warehouse + (level.lot ? '/' + level.lot : ''),
          });
          const body = () => {
            const b = { on_hand: input.value.trim() };
            if (level.lot) b.lot = level.lot;
            if (level.expires_date) b.expires_date = level.expires_date;
            return b;
          };
          rows.push(h('tr', {},
            h('td', { 'data-label': t('line.sku'), text: p.sku }),
            h('td', { 'data-label': t('line.description'), text: p.name }),
            h('td', { 'data-label': t('stock.warehouse'), text: level.warehouse }),
            h('td', { 'data-label': t('stock.lot'), text: level.lot || '' }),
            h('td', { 'data-label': t('stock.expires'), text: day(level.expires_date) }),
            h('td', { 'data-label': t('stock.reserved'), class: 'num', text: quantity(level.reserved) }),
            h('td', { 'data-label': t('stock.available'), class: 'num', text: quantity(level.available_quantity) }),
            h('td', { 'data-label': t('stock.on_hand') }, h('form', {
              class: 'inline', onsubmit: (e) => { e.preventDefault(); save(p.sku, level.warehouse, body()); },
            }, input, h('button', { type: 'submit', class: 'secondary', text: t('stock.save') })))));
        }
      }
      results.replaceChildren(h('section', { class: 'card' }, h('h2', { text: t('stock.levels') }),
        rows.length ? h('table', { class: 'list', id: 'stock-table' },
          h('thead', {}, h('tr', {}, ['line.sku', 'line.description', 'stock.warehouse', 'stock.lot', 'stock.expires',
            'stock.reserved', 'stock.available', 'stock.on_hand'].map((k) => h('th', { scope: 'col', text: t(k) })))),
          h('tbody', {}, rows)) : h('p', { class: 'empty', text: t('order.none') })));
    } catch (error) {
      showProblem(results, error);
    }
  }

  async function loadSuggestions(container) {
    try {
      const { data } = await api('GET', '/v1/reorder-suggestions');
      const items = data.items || [];
      container.replaceChildren(h('section', { class: 'card' }, h('h2', { text: t('stock.suggestions') }),
        items.length ? h('table', { class: 'list', id: 'suggestions' },
          h('thead', {}, h('tr', {}, ['line.sku', 'stock.available', 'stock.triggered_by', 'stock.suggested_at']
            .map((k) => h('th', { scope: 'col', text: t(k) })))),
          h('tbody', {}, items.map((s) => h('tr', {},
            h('td', { 'data-label': t('line.sku'), text: s.sku }),
            h('td', { 'data-label': t('stock.available'), class: 'num', text: quantity(s.available_quantity) }),
            h('td', { 'data-label': t('stock.triggered_by') }, s.order_id ? link('/console/orders/' + encodeURIComponent(s.order_id), s.order_id) : ''),
            h('td', { 'data-label': t('stock.suggested_at'), text: moment(s.suggested_at) })))))
          : h('p', { class: 'empty', text: t('stock.no_suggestions') })));
    } catch (error) {
      showProblem(container, error);
    }
  }

  function productsView(view) {
    const query = new URLSearchParams(location.search);
    const results = h('div', { id: 'products-results' }, h('p', { class: 'loading', text: t('app.loading') }));
    const shownFor = h('input', { id: 'products-customer', name: 'customer', value: query.get('customer') || '' });
    const filter = h('form', {
      class: 'filters', onsubmit: (event) => {
        event.preventDefault();
        const value = shownFor.value.trim();
        history.pushState({}, '', '/console/products' + (value ? '?customer=' + encodeURIComponent(value) : ''));
        render();
      },
    }, field(t('prices.for_customer'), shownFor), h('button', { type: 'submit', id: 'products-show', text: t('filter.apply') }));
    const messages = h('div', { tabindex: '-1', id: 'price-result', 'aria-live': 'polite' });
    const customer = h('input', { id: 'price-customer', required: true, value: query.get('customer') || '' });
    const sku = h('input', { id: 'price-sku', required: true });
    const price = h('input', { id: 'price-price', inputmode: 'decimal', required: true });
    const form = h('form', {
      class: 'card action', id: 'price-form', onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api('PUT', '/v1/customers/' + encodeURIComponent(customer.value.trim()) + '/prices/' + encodeURIComponent(sku.value.trim()),
            { price: price.value.trim() });
          notice(messages, t('prices.saved'));
          loadProducts(results, query.get('customer'));
        } catch (error) {
          showProblem(messages, error);
        }
      },
    }, h('h2', { text: t('prices.title') }), h('div', { class: 'row' },
      field(t('filter.customer'), customer), field(t('line.sku'), sku), field(t('line.unit_price'), price)),
    h('button', { type: 'submit', id: 'price-submit', text: t('stock.save') }), messages);
    view.replaceChildren(h('h1', { text: t('nav.products') }), filter, results,
      isOperator() ? form : h('p', { class: 'empty', text: t('prices.operator_only') }));
    loadProducts(results, query.get('customer'));
  }

  async function loadProducts(results, customer) {
    try {
      const products = await allProducts(customer);
      results.replaceChildren(products.length ? h('table', { class: 'list', id: 'products-table' },
        h('thead', {}, h('tr', {}, ['line.sku', 'line.description', 'prices.unit', 'line.unit_price', 'totals.vat',
          'stock.available'].map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', {}, products.map((p) => h('tr', { 'data-sku': p.sku },
          h('td', { 'data-label': t('line.sku'), text: p.sku }),
          h('td', { 'data-label': t('line.description'), text: p.name }),
          h('td', { 'data-label': t('prices.unit'), text: p.unit }),
          h('td', { 'data-label': t('line.unit_price'), class: 'num' }, money(p.price, p.currency),
            p.price_source === 'customer' ? h('span', { class: 'badge', text: t('prices.customer_price') }) : null),
          h('td', { 'data-label': t('totals.vat'), class: 'num', text: p.vat_category + ' ' + quantity(p.vat_rate) + ' %' }),
          h('td', { 'data-label': t('stock.available'), class: 'num', text: quantity(p.available_quantity) })))))
        : h('p', { class: 'empty', text: t('order.none') }));
    } catch (error) {
      showProblem(results, error);
    }
  }

  function reportsView(view) {
    const today = new Date().toISOString().slice(0, 10);
    const report = h('select', { id: 'report-name' }, REPORTS.map((r) => h('option', { value: r, text: t('report.' + r) })));
    const from = h('input', { id: 'report-from', type: 'date', value: today, required: true });
    const to = h('input', { id: 'report-to', type: 'date', value: today, required: true });
    const results = h('div', { id: 'report-result', tabindex: '-1', 'aria-live': 'polite' });
    const form = h('form', {
      class: 'card action', id: 'report-form', onsubmit: async (event) => {
        event.preventDefault();
        notice(results, t('app.loading'));
        try {
          const { data } = await api('POST', '/v1/reports', { report: report.value, from_date: from.value, to_date: to.value });
          const files = (data.files || []).map((file) => h('li', {},
            h('a', { href: file.url, rel: 'noopener', 'data-format': file.format, text: file.format.toUpperCase() }),
            ' · ' + t('report.rows', { rows: quantity(String(file.rows)) })));
          results.replaceChildren(h('ul', { class: 'files', id: 'report-files' }, files,
            data.page ? h('li', {}, h('a', { href: data.page.url, rel: 'noopener', id: 'report-page', text: t('report.page') })) : null));
        } catch (error) {
          showProblem(results, error);
        }
      },
    }, h('div', { class: 'row' }, field(t('report.name'), report), field(t('filter.from'), from), field(t('filter.to'), to)),
    h('button', { type: 'submit', id: 'report-submit', text: t('report.run') }));
    view.replaceChildren(h('h1', { text: t('nav.reports') }),
      isOperator() ? h('div', {}, form, results) : h('p', { class: 'empty', text: t('prices.operator_only') }));
  }

  // ------------------------------------------------------------------ API keys (operators)
  async function keysView(view) {
    if (!isOperator()) {
      view.replaceChildren(h('h1', { text: t('nav.keys') }), h('p', { class: 'empty', text: t('prices.operator_only') }));
      return;
    }
    const results = h('div', { id: 'keys-result', tabindex: '-1' });
    const issued = h('div', { id: 'key-issued', tabindex: '-1', 'aria-live': 'polite' });
    const name = h('input', { id: 'key-name', maxlength: '100', required: true });
    const role = h('select', { id: 'key-role' }, ['webshop', 'operator', 'warehouse'].map((r) =>
      h('option', { value: r, text: t('role.' + r) })));
    const channel = h('input', { id: 'key-channel', maxlength: '64', value: 'default', pattern: '[A-Za-z0-9._\\-]{1,64}' });
    const expires = h('input', { id: 'key-expires', type: 'date' });
    const load = async () => {
      try {
        const { data } = await api('GET', '/v1/api-keys');
        results.replaceChildren(h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'keys-table' },
          h('thead', {}, h('tr', {}, ['keys.name', 'keys.role', 'keys.channel', 'keys.status', 'keys.created',
            'keys.expires', 'keys.last_used', 'order.actions'].map((k) => h('th', { scope: 'col', text: t(k) })))),
          h('tbody', {}, data.items.map((key) => h('tr', { 'data-key': key.id, 'data-status': key.status },
            h('td', { 'data-label': t('keys.name') }, key.name || '—', h('div', { class: 'note-meta', text: key.id })),
            h('td', { 'data-label': t('keys.role'), text: t('role.' + key.role) }),
            h('td', { 'data-label': t('keys.channel'), text: key.channel }),
            h('td', { 'data-label': t('keys.status'), text: t('keys.status.' + key.status) }),
            h('td', { 'data-label': t('keys.created'), text: moment(key.created_at) }),
            h('td', { 'data-label': t('keys.expires'), text: key.expires_at ? moment(key.expires_at) : '—' }),
            h('td', { 'data-label': t('keys.last_used'), text: key.last_used_at ? moment(key.last_used_at) : '—' }),
            h('td', { 'data-label': t('order.actions') }, key.status === 'revoked' ? null : h('button', {
              type: 'button', class: 'secondary revoke-key', text: t('keys.revoke'), onclick: async () => {
                if (!window.confirm(t('keys.revoke_confirm', { name: key.name || key.id }))) return;
                try {
                  await api('DELETE', '/v1/api-keys/' + encodeURIComponent(key.id));
                  await load();
                } catch (error) {
                  showProblem(results, error);
                }
              },
            }))))))));
      } catch (error) {
        showProblem(results, error);
      }
    };
    const form = h('form', {
      class: 'card action', id: 'key-form', onsubmit: async (event) => {
        event.preventDefault();
        const body = { name: name.value.trim(), role: role.value, channel: channel.value.trim() || 'default' };
        if (expires.value) body.expires_date = expires.value;
        try {
          const { data } = await api('POST', '/v1/api-keys', body);
          // The secret is shown once, here; it is not stored anywhere.
          const secret = h('input', { id: 'key-secret', readonly: true, value: data.secret, size: '70' });
          issued.replaceChildren(h('div', { class: 'notice' }, h('p', { text: t('keys.issued') }),
            field(t('keys.secret'), secret)));
          name.value = '';
          await load();
          secret.focus();
          secret.select();
        } catch (error) {
          showProblem(issued, error);
        }
      },
    }, h('h2', { text: t('keys.new') }),
    h('div', { class: 'row' }, field(t('keys.name'), name), field(t('keys.role'), role), field(t('keys.channel'), channel),
      field(t('keys.expires'), expires)),
    h('button', { type: 'submit', id: 'key-submit', text: t('keys.create') }), issued);
    view.replaceChildren(h('h1', { text: t('nav.keys') }), h('p', { class: 'empty', text: t('keys.hint') }), form, results);
    await load();
  }

  // ------------------------------------------------------------------ buyer requests
  async function buyerRequestsView(view) {
    const params = new URLSearchParams(location.search);
    const status = h('select', { id: 'requests-status', onchange: () => {
      history.pushState({}, '', '/console/requests?status=' + status.value);
      render();
    } }, ['open', 'done', 'declined'].map((s) => h('option', { value: s, selected: (params.get('status') || 'open') === s,
      text: t('request.status.' + s) })));
    const results = h('div', { id: 'requests-result', tabindex: '-1' });
    view.replaceChildren(h('h1', { text: t('nav.requests') }), h('p', { class: 'empty', text: t('request.hint') }),
      h('div', { class: 'filters' }, field(t('filter.status'), status)), results);
    try {
      const { data } = await api('GET', '/v1/buyer-requests?limit=100&status=' + encodeURIComponent(status.value));
      results.replaceChildren(data.items.length ? h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'requests-table' },
        h('thead', {}, h('tr', {}, ['orders.received', 'orders.number', 'orders.buyer', 'request.kind', 'request.message']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', {}, data.items.map((r) => h('tr', { 'data-request': r.request_id },
          h('td', { 'data-label': t('orders.received'), text: moment(r.requested_at) }),
          h('td', { 'data-label': t('orders.number') }, r.order_id
            ? link('/console/orders/' + encodeURIComponent(r.order_id), r.order_number || r.order_id) : ''),
          h('td', { 'data-label': t('orders.buyer'), text: r.buyer_name || '' }),
          h('td', { 'data-label': t('request.kind'), text: t('request.' + r.kind) }),
          h('td', { 'data-label': t('request.message'), text: r.message }))))))
        : h('p', { class: 'empty', id: 'no-requests', text: t('order.none') }));
    } catch (error) {
      showProblem(results, error);
    }
  }

  // ------------------------------------------------------------------ quotes
  const quoteBadge = (status) => h('span', { class: 'badge quote-badge status-' + status, 'data-status': status,
    text: t('quote.status.' + status) });

  // The quote editor: a new quote, or the next version of `previous` (its lines, validity and notes to start from).
  function quoteEditor(previous, done) {
    const errors = h('div', { tabindex: '-1' });
    const customer = h('input', { id: 'quote-customer', required: true, maxlength: '64',
      value: previous ? previous.buyer.customer_id : '' });
    if (previous) customer.readOnly = true;
    const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    const valid = h('input', { id: 'quote-valid-until', type: 'date', required: true,
      value: previous && previous.valid_until_date >= tomorrow ? previous.valid_until_date : tomorrow });
    const notes = h('textarea', { id: 'quote-notes', rows: '2', maxlength: '2000' }, previous && previous.notes || '');
    const rows = h('div', { id: 'quote-lines' });
    const addRow = (line) => {
      const n = rows.children.length + 1;
      const sku = h('input', { class: 'quote-sku', maxlength: '64', value: line ? line.sku : '' });
      const qty = h('input', { class: 'quote-qty', type: 'number', min: '0', step: 'any', inputmode: 'decimal',
        value: line ? line.quantity : '' });
      const price = h('input', { class: 'quote-price', type: 'number', min: '0', step: '0.01', inputmode: 'decimal',
        value: line ? line.unit_price : '' });
      rows.append(h('div', { class: 'row quote-line' }, field(t('quote.sku', { n }), sku),
        field(t('line.ordered'), qty), field(t('quote.price'), price, t('quote.price_hint'))));
    };
    ((previous && previous.lines) || [null, null]).forEach(addRow);
    const form = h('form', { class: 'card action', id: 'quote-form', onsubmit: async (event) => {
      event.preventDefault();
      try {
        const lines = [...rows.querySelectorAll('.quote-line')].map((row) => ({
          sku: row.querySelector('.quote-sku').value.trim(),
          quantity: row.querySelector('.quote-qty').value.trim(),
          price: row.querySelector('.quote-price').value.trim(),
        })).filter((l) => l.sku).map((l) => Object.assign({ sku: l.sku, quantity: l.quantity || '0' },
          l.price ? { unit_price: l.price } : {}));
        let address = previous && previous.delivery_address;
        if (!address) {
          const { data } = await api('GET', '/v1/customers/' + encodeURIComponent(customer.value.trim()));
          address = data.address;
        }
        let currency = previous && previous.currency;
        if (!currency) {
          // The catalogue's currency (a quote is priced from it).
          const { data } = await api('GET', '/v1/products?limit=1');
          currency = (data.items[0] || {}).currency;
        }
        const body = { currency, buyer: { customer_id: customer.value.trim() }, delivery_address: address, lines,
          valid_until_date: valid.value };
        if (notes.value.trim()) body.notes = notes.value.trim();
        const path = previous ? '/v1/quotes/' + encodeURIComponent(previous.id) + '/versions' : '/v1/quotes';
        const { data } = await api('POST', path, body);
        done(data);
      } catch (error) {
        showProblem(errors, error);
      }
    } },
    h('h2', { text: previous ? t('quote.reopen_title', { n: previous.version + 1 }) : t('quote.new') }),
    h('div', { class: 'row' }, field(t('quote.customer'), customer), field(t('quote.valid_until'), valid)),
    rows,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', id: 'quote-add-line',
      text: t('quote.add_line'), onclick: () => addRow(null) })),
    field(t('order.buyer_notes'), notes),
    h('button', { type: 'submit', id: 'quote-submit', text: previous ? t('quote.save_version') : t('quote.create') }),
    errors);
    return form;
  }

  async function quotesView(view) {
    if (!isOperator()) {
      view.replaceChildren(h('h1', { text: t('nav.quotes') }), h('p', { class: 'empty', text: t('prices.operator_only') }));
      return;
    }
    const results = h('div', { id: 'quotes-result', tabindex: '-1' });
    const editor = quoteEditor(null, (quote) => {
      history.pushState({}, '', '/console/quotes/' + encodeURIComponent(quote.id));
      render();
    });
    view.replaceChildren(h('h1', { text: t('nav.quotes') }), results, editor);
    try {
      const { data } = await api('GET', '/v1/quotes?limit=100');
      results.replaceChildren(data.items.length ? h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'quotes-table' },
        h('thead', {}, h('tr', {}, ['quote.quote', 'quote.version', 'orders.buyer', 'quote.state', 'totals.gross',
          'quote.valid_until'].map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', {}, data.items.map((q) => h('tr', { 'data-quote': q.id, 'data-version': String(q.version) },
          h('td', { 'data-label': t('quote.quote') }, link('/console/quotes/' + encodeURIComponent(q.id), q.id)),
          h('td', { 'data-label': t('quote.version'), class: 'num', text: String(q.version) }),
          h('td', { 'data-label': t('orders.buyer'), text: q.buyer.name + ' (' + q.buyer.customer_id + ')' }),
          h('td', { 'data-label': t('quote.state') }, quoteBadge(q.status)),
          h('td', { 'data-label': t('totals.gross'), class: 'num', text: money(q.gross, q.currency) }),
          h('td', { 'data-label': t('quote.valid_until'), text: day(q.valid_until_date) }))))))
        : h('p', { class: 'empty', text: t('order.none') }));
    } catch (error) {
      showProblem(results, error);
    }
  }

  async function quoteView(view, id) {
    const messages = h('div', { id: 'action-result', tabindex: '-1', 'aria-live': 'polite' });
    let quote;
    try {
      ({ data: quote } = await api('GET', '/v1/quotes/' + encodeURIComponent(id)));
    } catch (error) {
      view.replaceChildren(h('p', {}, link('/console/quotes', '← ' + t('nav.quotes'))), messages);
      showProblem(messages, error);
      return;
    }
    const redraw = () => quoteView(view, id);
    const send = h('button', { type: 'button', id: 'quote-send', text: t('quote.send'), onclick: async () => {
      try {
        await api('POST', '/v1/quotes/' + encodeURIComponent(id) + '/sending', {});
        await redraw();
        notice(document.getElementById('action-result'), t('quote.sent_notice'));
      } catch (error) {
        showProblem(messages, error);
      }
    } });
    const reopenable = ['sent', 'declined', 'expired'].includes(quote.status) ||
      (quote.status === 'accepted' && quote.order_id);
    const lines = h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'quote-lines-table' },
      h('thead', {}, h('tr', {}, ['line.sku', 'line.description', 'line.ordered', 'line.unit_price', 'line.net']
        .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, quote.lines.map((l) => h('tr', {},
        h('td', { 'data-label': t('line.sku'), text: l.sku }),
        h('td', { 'data-label': t('line.description'), text: l.description }),
        h('td', { 'data-label': t('line.ordered'), class: 'num', text: quantity(l.quantity) }),
        h('td', { 'data-label': t('line.unit_price'), class: 'num', text: money(l.unit_price, quote.currency) }),
        h('td', { 'data-label': t('line.net'), class: 'num', text: money(l.line_net, quote.currency) }))))));
    const versions = (quote.versions || []).map((v) => h('li', { 'data-version': String(v.version) },
      t('quote.version_line', { n: v.version }), ' · ', quoteBadge(v.status), ' · ', money(v.totals.gross, v.currency),
      v.decline_reason ? ' · ' + v.decline_reason : '',
      v.order_id ? h('span', {}, ' · ', link('/console/orders/' + encodeURIComponent(v.order_id), t('quote.order'))) : null));
    view.replaceChildren(
      h('p', {}, link('/console/quotes', '← ' + t('nav.quotes'))),
      h('h1', { id: 'quote-heading' }, id + ' · ' + t('quote.version_line', { n: quote.version }) + ' ', quoteBadge(quote.status)),
      h('p', { text: quote.buyer.name + ' · ' + t('quote.valid_until') + ' ' + day(quote.valid_until_date) + ' · ' +
        money(quote.totals.gross, quote.currency) }),
      messages,
      h('section', { class: 'card' }, lines, quote.notes ? h('p', { text: quote.notes }) : null),
      quote.status === 'draft' && isOperator() ? h('div', { class: 'buttons' }, send) : null,
      reopenable && isOperator() ? quoteEditor(quote, () => redraw()) : null,
      h('section', { class: 'card', id: 'quote-versions' }, h('h2', { text: t('quote.versions') }), h('ul', {}, versions)));
  }

  document.addEventListener('DOMContentLoaded', boot);
})();
