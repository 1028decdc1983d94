// The buyer portal. A magic link arrives as /portal/{orders|quotes}/{id}#link=TOKEN: the token (never sent in a URL
// to a server, never in a Referer) becomes a portal session cookie, then leaves the address bar. Views are pages of
// their own (/portal, /portal/orders/{id}, /portal/shop, /portal/cart, /portal/quotes/{id}); everything shown comes
// from /v1/portal/... and is put on the page as text (textContent), never as HTML.
'use strict';

(() => {
  const texts = JSON.parse(document.getElementById('texts').textContent);
  const lang = document.documentElement.lang || 'en';
  const LOCALES = { en: 'en-GB', sv: 'sv-SE', de: 'de-DE', pl: 'pl-PL', lt: 'lt-LT', zh: 'zh-CN' };
  const locale = LOCALES[lang] || 'en-GB';
  // The order statuses, their badge tones and what each allows: the domain's table, carried by the page.
  const STATUS_TABLE = JSON.parse(document.getElementById('statuses').textContent);
  const STATUSES = STATUS_TABLE.map((s) => s.status);
  const statusInfo = (status) => STATUS_TABLE.find((s) => s.status === status) || {};
  let csrf = null;
  // What the link opens: an order link one order, a quote link one quote, an account key the shop and every order.
  let scope = { kind: 'account' };
  const account = () => scope.kind === 'account';

  function t(key, vars) {
    let text = texts[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split('{' + name + '}').join(String(value));
    return text;
  }
  function money(amount, currency) {
    if (amount === null || amount === undefined) return '—';
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
    } catch (_) {
      return amount + ' ' + currency;
    }
  }
  const quantity = (value) => new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(value);
  function day(value) {
    if (!value) return '—';
    const [y, m, d] = value.slice(0, 10).split('-').map(Number);
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
  }
  const moment = (value) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
    .format(new Date(value));
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
  // Only our own relative paths or http(s) URLs become links.
  const safeHref = (value) => (/^(https?:\/\/|\/(?!\/))/.test(value || '') ? value : null);

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = (data.errors || []).map((e) => e.detail).join('; ') || data.detail || response.statusText;
      throw Object.assign(new Error(detail), { status: response.status });
    }
    return data;
  }

  const app = () => document.getElementById('app');
  function nav(current) {
    const item = (href, key, id) => h('a', { href, id, 'aria-current': current === key ? 'page' : null,
      text: t('nav.' + key) });
    return h('nav', { class: 'portal-nav', 'aria-label': t('nav.label') },
      item('/portal', 'orders', 'nav-orders'), account() ? item('/portal/shop', 'shop', 'nav-shop') : null,
      account() ? item('/portal/cart', 'cart', 'nav-cart') : null);
  }
  function show(current, ...nodes) {
    app().replaceChildren(nav(current), h('main', { id: 'main' }, ...nodes));
  }
  function problem(error) {
    return h('p', { class: 'problem', role: 'alert', id: 'problem', text: t('problem', { detail: error.message }) });
  }
  function badge(status) {
    return h('span', { class: 'badge status-' + status + ' tone-' + (statusInfo(status).tone || 'neutral'),
      'data-status': status, text: t('status.' + status) });
  }
  function field(id, label, input) {
    input.id = id;
    return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
  }

  async function boot() {
    const match = location.hash.match(/link=([^&]+)/);
    let session;
    try {
      if (match) {
        history.replaceState(null, '', location.pathname + location.search);
        session = await api('POST', '/v1/portal/session', { link: decodeURIComponent(match[1]) });
      } else {
        session = await api('GET', '/v1/portal/session');
      }
      csrf = session.csrf_token;
      scope = session.scope || scope;
    } catch (error) {
      app().replaceChildren(h('main', { id: 'main' }, h('h1', { text: t('app.title') }), error.status === 401 && !match
        ? [h('p', { id: 'no-session', text: t('app.no_session') }), keyForm()] : problem(error)));
      return;
    }
    // The buyer's own language, as the seller stored it, unless this browser chose one.
    const chosen = document.cookie.split('; ').find((c) => c.startsWith('orders_portal_lang='));
    if (session.language && session.language !== lang && !chosen) {
      document.cookie = 'orders_portal_lang=' + encodeURIComponent(session.language) +
        '; Path=/portal; Max-Age=31536000; SameSite=Strict';
      location.reload();
      return;
    }
    const parts = location.pathname.split('/').filter(Boolean);
    if (parts[1] === 'quotes' && parts[2]) await quoteView(decodeURIComponent(parts[2]));
    else if (parts[1] === 'orders' && parts[2]) await orderView(decodeURIComponent(parts[2]));
    else if (parts[1] === 'shop') await shopView();
    else if (parts[1] === 'cart') await cartView();
    else await ordersView();
  }

  // A B2B buyer's account key (from the seller's invitation) signs in like the link it is.
  function keyForm() {
    const key = h('input', { type: 'password', autocomplete: 'current-password', maxlength: '2048', required: '' });
    const result = h('div', { 'aria-live': 'polite' });
    return h('form', { class: 'card', id: 'key-form', onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api('POST', '/v1/portal/session', { link: key.value.trim() });
        location.reload();
      } catch (error) {
        result.replaceChildren(problem(error));
      }
    } }, h('h2', { text: t('key.title') }), field('buyer-key', t('key.label'), key),
    h('button', { type: 'submit', id: 'key-submit', text: t('key.submit') }), result);
  }

  // ------------------------------------------------------------------ orders

  async function ordersView() {
    const params = new URLSearchParams(location.search);
    const search = h('input', { type: 'search', value: params.get('q') || '', maxlength: '100' });
    const status = h('select', {}, h('option', { value: '', text: t('orders.all') }),
      STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s ? 'selected' : null,
        text: t('status.' + s) })));
    const form = h('form', { class: 'filters', id: 'order-filters', role: 'search', onsubmit: (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      if (search.value.trim()) query.set('q', search.value.trim());
      if (status.value) query.set('status', status.value);
      location.assign('/portal' + (query.toString() ? '?' + query : ''));
    } }, field('order-search', t('orders.search'), search), field('order-status', t('orders.status'), status),
    h('button', { type: 'submit', id: 'order-filter', text: t('orders.filter') }));
    const body = h('tbody');
    const more = h('div', { class: 'buttons' });
    const list = h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'orders' },
      h('thead', {}, h('tr', {}, ['col.number', 'col.status', 'col.amount', 'col.delivery', 'col.received']
        .map((key) => h('th', { scope: 'col', text: t(key) })))), body));
    show('orders', h('h1', { text: t('app.title') }), form, list, more);
    async function page(cursor) {
      const query = new URLSearchParams(params);
      if (cursor) query.set('cursor', cursor);
      try {
        const data = await api('GET', '/v1/portal/orders' + (query.toString() ? '?' + query : ''));
        for (const order of data.items) {
          body.append(h('tr', { 'data-order': order.id },
            h('td', { 'data-label': t('col.number') }, h('a', { href: '/portal/orders/' + encodeURIComponent(order.id),
              text: order.order_number })),
            h('td', { 'data-label': t('col.status') }, badge(order.status)),
            h('td', { class: 'num', 'data-label': t('col.amount'), text: money(order.gross, order.currency) }),
            h('td', { 'data-label': t('col.delivery'), text: day(order.requested_delivery_date) }),
            h('td', { 'data-label': t('col.received'), text: moment(order.received_at) })));
        }
        if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: '5', id: 'no-orders',
          text: t('orders.none') })));
        more.replaceChildren(data.next_cursor ? h('button', { type: 'button', class: 'secondary', id: 'more-orders',
          text: t('orders.more'), onclick: () => page(data.next_cursor) }) : '');
      } catch (error) {
        more.replaceChildren(problem(error));
      }
    }
    await page(null);
  }

  async function orderView(id) {
    let order;
    try {
      order = await api('GET', '/v1/portal/orders/' + encodeURIComponent(id));
    } catch (error) {
      show('orders', h('h1', { text: t('app.title') }), problem(error));
      return;
    }
    const path = '/v1/portal/orders/' + encodeURIComponent(order.id);
    const tracking = new Map((order.tracking || []).map((line) => [line.line_no, line]));
    const lines = h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'order-lines' },
      h('thead', {}, h('tr', {}, ['col.item', 'col.ordered', 'col.confirmed', 'col.shipped', 'col.invoiced',
        'col.open', 'col.amount'].map((key) => h('th', { scope: 'col', class: key === 'col.item' ? null : 'num',
        text: t(key) })))),
      h('tbody', {}, order.lines.map((line) => {
        const track = tracking.get(line.line_no) || {};
        const cell = (key, value) => h('td', { class: 'num', 'data-label': t(key), text: value });
        return h('tr', { 'data-line': line.line_no },
          h('td', { 'data-label': t('col.item'), text: line.sku + ' ' + line.description }),
          cell('col.ordered', quantity(line.quantity)), cell('col.confirmed', quantity(line.confirmed_quantity)),
          cell('col.shipped', quantity(line.shipped_quantity)), cell('col.invoiced', quantity(line.invoiced_quantity)),
          cell('col.open', quantity(track.open !== undefined ? track.open : line.confirmed_quantity)),
          cell('col.amount', money(line.line_net, order.currency)));
      }))));
    const despatches = (order.despatches || []).map((d) => h('li', { 'data-despatch': d.despatch_number },
      t('order.despatch', { number: d.despatch_number, date: day(d.despatch_date) }),
      d.carrier ? ' · ' + d.carrier : '', ' ',
      safeHref(d.tracking_url) ? h('a', { href: safeHref(d.tracking_url), rel: 'noopener noreferrer',
        target: '_blank', class: 'tracking', text: t('order.track') }) : (d.tracking_number || '')));
    const documents = (order.documents || []).map((doc) => h('li', {},
      h('a', { href: doc.href, class: 'document', 'data-kind': doc.kind, 'data-format': doc.format, download: '',
        text: t('doc.' + doc.kind, { number: doc.number || '' }) + ' (' + (doc.format === 'pdf' ? 'PDF' : 'UBL') + ')' })));
    // The seller's notes for the buyer and the buyer's own messages, oldest first.
    const said = (order.seller_notes || []).map((note) => ({ at: note.at, who: t('notes.seller'), text: note.text }))
      .concat((order.buyer_messages || []).map((m) => ({ at: m.at, who: t('notes.you'), text: m.text, own: true })))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const notes = said.map((note) => h('li', { class: note.own ? 'note own' : 'note' },
      h('strong', { text: note.who + ' · ' + moment(note.at) + ': ' }), note.text));
    const requests = (order.requests || []).map((r) => h('li', { 'data-request': r.request_id },
      h('strong', { text: t('request.' + r.kind) + ' · ' + t('request.status.' + r.status) + ': ' }), r.message,
      r.resolution_note ? h('div', { text: t('request.answer', { note: r.resolution_note }) }) : null));
    const historyItems = (order.history || []).map((entry) => h('li', {},
      h('time', { datetime: entry.at, text: moment(entry.at) }), ' · ', entry.detail));

    const result = h('div', { id: 'order-result', 'aria-live': 'polite' });
    const kind = h('select', {}, h('option', { value: 'change', text: t('request.change') }),
      h('option', { value: 'cancellation', text: t('request.cancellation') }));
    const message = h('textarea', { rows: '3', maxlength: '2000', required: '' });
    const requestForm = h('form', { id: 'request-form', onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api('POST', path + '/requests', { kind: kind.value, message: message.value });
        location.reload();
      } catch (error) {
        result.replaceChildren(problem(error));
      }
    } }, h('h2', { text: t('request.title') }), h('p', { class: 'hint', text: t('request.hint') }),
    field('request-kind', t('request.kind'), kind), field('request-message', t('request.message'), message),
    h('button', { type: 'submit', id: 'send-request', text: t('request.send') }));
    const text = h('textarea', { rows: '3', maxlength: '2000', required: '' });
    const messageForm = h('form', { id: 'message-form', onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api('POST', path + '/messages', { text: text.value });
        location.reload();
      } catch (error) {
        result.replaceChildren(problem(error));
      }
    } }, h('h2', { text: t('message.title') }), field('message-text', t('message.text'), text),
    h('button', { type: 'submit', id: 'send-message', text: t('message.send') }));
    const reorder = h('button', { type: 'button', class: 'secondary', id: 'reorder', text: t('order.reorder'),
      onclick: async () => {
        try {
          await api('POST', path + '/reorder');
          location.assign('/portal/cart');
        } catch (error) {
          result.replaceChildren(problem(error));
        }
      } });
    show('orders',
      h('h1', { id: 'order-title' }, t('order.title', { number: order.order_number }), ' ', badge(order.status)),
      h('p', { id: 'order-meta', text: t('order.meta', { date: day(order.requested_delivery_date),
        total: money(order.totals.gross, order.currency) }) }),
      h('div', { class: 'card' }, lines, account() ? h('div', { class: 'buttons' }, reorder) : null),
      result,
      despatches.length ? h('section', { class: 'card', id: 'despatches' }, h('h2', { text: t('order.despatches') }),
        h('ul', {}, despatches)) : null,
      documents.length ? h('section', { class: 'card', id: 'documents' }, h('h2', { text: t('order.documents') }),
        h('ul', {}, documents)) : null,
      requests.length ? h('section', { class: 'card', id: 'requests' }, h('h2', { text: t('order.requests') }),
        h('ul', {}, requests)) : null,
      notes.length ? h('section', { class: 'card', id: 'notes' }, h('h2', { text: t('notes') }),
        h('ul', {}, notes)) : null,
      statusInfo(order.status).can_request ? h('section', { class: 'card' }, requestForm) : null,
      h('section', { class: 'card' }, messageForm),
      h('section', { class: 'card', id: 'history' }, h('h2', { text: t('order.history') }), h('ul', {}, historyItems)));
  }

  // ------------------------------------------------------------------ shop and cart

  async function shopView() {
    const params = new URLSearchParams(location.search);
    const search = h('input', { type: 'search', value: params.get('q') || '', maxlength: '100' });
    const result = h('div', { id: 'shop-result', 'aria-live': 'polite' });
    const body = h('tbody');
    show('shop', h('h1', { text: t('shop.title') }),
      h('form', { class: 'filters', role: 'search', onsubmit: (event) => {
        event.preventDefault();
        location.assign('/portal/shop' + (search.value.trim() ? '?q=' + encodeURIComponent(search.value.trim()) : ''));
      } }, field('shop-search', t('shop.search'), search), h('button', { type: 'submit', text: t('orders.filter') })),
      result,
      h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'catalogue' },
        h('thead', {}, h('tr', {}, ['col.item', 'col.unit_price', 'col.available', 'col.quantity', 'col.actions']
          .map((key) => h('th', { scope: 'col', text: t(key) })))), body)));
    let data;
    try {
      const query = new URLSearchParams({ limit: '100' });
      if (params.get('q')) query.set('q', params.get('q'));
      data = await api('GET', '/v1/portal/catalogue?' + query);
    } catch (error) {
      result.replaceChildren(problem(error));
      return;
    }
    for (const item of data.items) {
      const id = 'qty-' + item.sku.replace(/[^A-Za-z0-9_-]/g, '_');
      const amount = h('input', { type: 'number', min: '1', step: 'any', value: '1', id, inputmode: 'decimal' });
      const add = (saved) => async () => {
        try {
          await api('PUT', '/v1/portal/cart/lines/' + encodeURIComponent(item.sku),
            { quantity: String(amount.value || '1'), saved_for_later: saved });
          result.replaceChildren(h('p', { class: 'done', id: 'added', text: t(saved ? 'shop.saved' : 'shop.added',
            { item: item.name }) }));
        } catch (error) {
          result.replaceChildren(problem(error));
        }
      };
      body.append(h('tr', { 'data-sku': item.sku },
        h('td', { 'data-label': t('col.item'), text: item.sku + ' ' + item.name }),
        h('td', { class: 'num', 'data-label': t('col.unit_price'), text: money(item.net_unit_price, item.currency) }),
        h('td', { class: 'num', 'data-label': t('col.available'), text: quantity(item.available) + ' ' + item.unit }),
        h('td', { 'data-label': t('col.quantity') }, h('label', { for: id, class: 'sr-only', text: t('col.quantity') }),
          amount),
        h('td', { 'data-label': t('col.actions') }, h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'add-to-cart', text: t('shop.add'), onclick: add(false) }),
          h('button', { type: 'button', class: 'secondary save-for-later', text: t('shop.save'), onclick: add(true) })))));
    }
    if (!data.items.length) body.append(h('tr', {}, h('td', { colspan: '5', text: t('shop.none') })));
  }

  async function cartView() {
    let cart;
    try {
      cart = await api('GET', '/v1/portal/cart');
    } catch (error) {
      show('cart', h('h1', { text: t('cart.title') }), problem(error));
      return;
    }
    const result = h('div', { id: 'cart-result', 'aria-live': 'polite' });
    const change = async (sku, body) => {
      try {
        await api('PUT', '/v1/portal/cart/lines/' + encodeURIComponent(sku), body);
        location.reload();
      } catch (error) {
        result.replaceChildren(problem(error));
      }
    };
    const row = (line) => {
      const id = 'cart-qty-' + line.sku.replace(/[^A-Za-z0-9_-]/g, '_');
      const amount = h('input', { type: 'number', min: '0', step: 'any', value: line.quantity, id,
        inputmode: 'decimal', onchange: () => change(line.sku, { quantity: String(amount.value || '0'),
          saved_for_later: line.saved_for_later }) });
      return h('tr', { 'data-sku': line.sku },
        h('td', { 'data-label': t('col.item'), text: line.sku + ' ' + (line.name || '') }),
        h('td', { 'data-label': t('col.quantity') }, h('label', { for: id, class: 'sr-only', text: t('col.quantity') }),
          amount),
        h('td', { class: 'num', 'data-label': t('col.unit_price'), text: money(line.unit_price, cart.currency) }),
        h('td', { class: 'num', 'data-label': t('col.amount'), text: money(line.line_net, cart.currency) }),
        h('td', { class: 'num', 'data-label': t('col.available'), text: quantity(line.available) }),
        h('td', { 'data-label': t('col.actions') }, h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'secondary move', text: t(line.saved_for_later ? 'cart.move' : 'cart.save'),
            onclick: () => change(line.sku, { quantity: line.quantity, saved_for_later: !line.saved_for_later }) }),
          h('button', { type: 'button', class: 'secondary remove', text: t('cart.remove'), onclick: async () => {
            try {
              await api('DELETE', '/v1/portal/cart/lines/' + encodeURIComponent(line.sku));
              location.reload();
            } catch (error) {
              result.replaceChildren(problem(error));
            }
          } }))));
    };
    const table = (id, lines) => h('div', { class: 'scroll' }, h('table', { class: 'list', id },
      h('thead', {}, h('tr', {}, ['col.item', 'col.quantity', 'col.unit_price', 'col.amount', 'col.available',
        'col.actions'].map((key) => h('th', { scope: 'col', text: t(key) })))), h('tbody', {}, lines.map(row))));
    const inCart = cart.lines.filter((l) => !l.saved_for_later);
    const saved = cart.lines.filter((l) => l.saved_for_later);
    const addresses = cart.delivery_addresses || [];
    const addressText = (a) => [a.name, a.street, a.additional_street, a.postal_code + ' ' + a.city, a.country]
      .filter(Boolean).join(', ');
    // The customer's stored delivery addresses: the one there is, or a choice.
    const addressChoice = addresses.length > 1 ? h('select', {}, addresses.map((a) =>
      h('option', { value: a.id, text: addressText(a.address) }))) : null;
    const date = h('input', { type: 'date' });
    const notes = h('textarea', { rows: '2', maxlength: '1000' });
    const place = h('button', { type: 'submit', id: 'place-order', text: t('cart.place') });
    const checkout = h('form', { id: 'checkout', onsubmit: async (event) => {
      event.preventDefault();
      place.disabled = true;
      try {
        const body = { cart_id: cart.cart_id };
        if (addressChoice) body.delivery_address_id = addressChoice.value;
        if (date.value) body.requested_delivery_date = date.value;
        if (notes.value.trim()) body.notes = notes.value;
        const order = await api('POST', '/v1/portal/orders', body);
        show('cart', h('h1', { text: t('cart.title') }),
          h('p', { class: 'done', id: 'order-placed', 'data-order': order.id },
            t('cart.placed', { number: order.order_number }), ' ',
            h('a', { href: '/portal/orders/' + encodeURIComponent(order.id), id: 'placed-order-link',
              text: t('cart.follow') })));
      } catch (error) {
        place.disabled = false;
        result.replaceChildren(problem(error));
      }
    } }, h('h2', { text: t('cart.checkout') }),
    addressChoice ? field('delivery-address-choice', t('cart.deliver_choice'), addressChoice)
      : addresses.length ? h('p', { id: 'delivery-address', text: t('cart.deliver_to',
        { address: addressText(addresses[0].address) }) }) : null,
    field('delivery-date', t('cart.date'), date), field('order-notes', t('notes'), notes),
    h('div', { class: 'totals-line' }, h('dl', { class: 'totals', id: 'cart-totals' },
      h('dt', { text: t('total.net') }), h('dd', { text: money(cart.totals.net, cart.currency) }),
      h('dt', { text: t('total.vat') }), h('dd', { text: money(cart.totals.vat, cart.currency) }),
      h('dt', { text: t('total.gross') }), h('dd', { text: money(cart.totals.gross, cart.currency) }))),
    h('div', { class: 'buttons' }, place));
    show('cart', h('h1', { text: t('cart.title') }), result,
      h('section', { class: 'card', id: 'cart' }, inCart.length ? table('cart-lines', inCart)
        : h('p', { id: 'cart-empty' }, t('cart.empty'), ' ', h('a', { href: '/portal/shop', text: t('nav.shop') }))),
      inCart.length ? h('section', { class: 'card' }, checkout) : null,
      saved.length ? h('section', { class: 'card', id: 'saved' }, h('h2', { text: t('cart.saved') }),
        table('saved-lines', saved)) : null);
  }

  // ------------------------------------------------------------------ quotes

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
      show('orders', h('h1', { text: t('app.title') }), problem(error));
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
            result.replaceChildren(h('p', { class: 'done', id: 'order-placed', 'data-order': order.id },
              t('quote.accepted', { number: order.order_number }), ' ',
              h('a', { href: '/portal/orders/' + encodeURIComponent(order.id), text: t('cart.follow') })));
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
    show('orders',
      h('h1', { id: 'quote-title' }, t('quote.title', { id: quote.id }), ' ',
        h('span', { class: 'badge quote-badge status-' + quote.status, 'data-status': quote.status,
          text: t('quote.status.' + quote.status) })),
      h('p', { id: 'quote-meta', text: t('quote.version', { n: quote.version }) + ' · ' +
        t('quote.valid_until', { date: day(quote.valid_until_date) }) }),
      h('div', { class: 'card' }, linesTable(quote), totals(quote),
        quote.notes ? h('p', { id: 'quote-notes' }, h('strong', { text: t('notes') + ': ' }), quote.notes) : null),
      actions.length ? actionsBox : null,
      result,
      earlier.length ? h('section', { class: 'card', id: 'earlier-versions' }, h('h2', { text: t('quote.earlier') }),
        h('ul', {}, earlier.map((v) => h('li', { text: t('quote.version', { n: v.version }) + ' · ' +
          t('quote.status.' + v.status) + ' · ' + money(v.totals.gross, v.currency) })))) : null);
  }

  boot();
})();
