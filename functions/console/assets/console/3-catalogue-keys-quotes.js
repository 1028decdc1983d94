// Console script, part 3 of 3: stock, products, reports, API keys, webhooks, buyer requests and quotes.
// The parts are one script, concatenated in file-name order by functions/console/src/handler.rs (part 1
// opens the closure every part shares, part 3 closes it).
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
          h('thead', {}, h('tr', {}, ['line.sku', 'stock.available', 'stock.reorder_quantity', 'stock.triggered_by', 'stock.suggested_at']
            .map((k) => h('th', { scope: 'col', text: t(k) })))),
          h('tbody', {}, items.map((s) => h('tr', { 'data-sku': s.sku },
            h('td', { 'data-label': t('line.sku'), text: s.sku }),
            h('td', { 'data-label': t('stock.available'), class: 'num', text: quantity(s.available_quantity) }),
            h('td', { 'data-label': t('stock.reorder_quantity'), class: 'num reorder-quantity', text: quantity(s.suggested_quantity) }),
            h('td', { 'data-label': t('stock.triggered_by') }, s.order_id ? link('/console/orders/' + encodeURIComponent(s.order_id), s.order_id) : t('stock.count')),
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
      isOperator() ? form : h('p', { class: 'empty', text: t('prices.operator_only') }),
      isOperator() ? productEditor(() => loadProducts(results, query.get('customer'))) : null);
    loadProducts(results, query.get('customer'));
  }

  // A catalogue entry, created or replaced (PUT /v1/products/{sku}); an existing SKU's values are filled in first.
  function productEditor(saved) {
    const messages = h('div', { tabindex: '-1', id: 'product-result', 'aria-live': 'polite' });
    const input = (id, attrs) => h('input', Object.assign({ id }, attrs || {}));
    const f = {
      sku: input('product-sku', { required: true, maxlength: '64' }),
      name: input('product-name', { required: true, maxlength: '200' }),
      unit: input('product-unit', { value: 'C62', maxlength: '3' }),
      price: input('product-price', { required: true, inputmode: 'decimal' }),
      vat_category: h('select', { id: 'product-vat-category' }, ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'].map((c) => h('option', { value: c, text: c }))),
      vat_rate: input('product-vat-rate', { required: true, inputmode: 'decimal', value: '25' }),
      cost_price: input('product-cost', { inputmode: 'decimal' }),
      min_stock: input('product-min-stock', { inputmode: 'decimal' }),
      target_stock: input('product-target-stock', { inputmode: 'decimal' }),
    };
    f.sku.addEventListener('change', async () => {
      try {
        const found = (await allProducts()).find((p) => p.sku === f.sku.value.trim());
        if (!found) return;
        for (const name of ['name', 'unit', 'price', 'vat_category', 'vat_rate']) f[name].value = found[name];
      } catch (_) { /* a new product */ }
    });
    return h('form', { class: 'card action', id: 'product-form', onsubmit: async (event) => {
      event.preventDefault();
      const body = { name: f.name.value.trim(), unit: f.unit.value.trim() || 'C62', price: f.price.value.trim(),
        vat_category: f.vat_category.value, vat_rate: f.vat_rate.value.trim() };
      for (const name of ['cost_price', 'min_stock', 'target_stock']) if (f[name].value.trim()) body[name] = f[name].value.trim();
      try {
        await api('PUT', '/v1/products/' + encodeURIComponent(f.sku.value.trim()), body);
        notice(messages, t('product.saved'));
        saved();
      } catch (error) {
        showProblem(messages, error);
      }
    } }, h('h2', { text: t('product.title') }),
    h('div', { class: 'row' }, field(t('line.sku'), f.sku), field(t('line.description'), f.name), field(t('prices.unit'), f.unit, 'C62, KGM, …')),
    h('div', { class: 'row' }, field(t('line.unit_price'), f.price), field(t('product.vat_category'), f.vat_category), field(t('new_order.vat_rate'), f.vat_rate)),
    h('div', { class: 'row' }, field(t('product.cost_price'), f.cost_price), field(t('product.min_stock'), f.min_stock, t('product.min_stock_hint')),
      field(t('product.target_stock'), f.target_stock, t('product.target_stock_hint'))),
    h('button', { type: 'submit', id: 'product-submit', text: t('product.save') }), messages);
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

  // ------------------------------------------------------------------ webhooks (operators)
  const WEBHOOK_EVENTS = ['order.received', 'order.accepted', 'order.accepted_with_changes', 'order.rejected',
    'order.changed', 'order.cancelled', 'order.despatched', 'order.delivered', 'invoice.issued', 'credit_note.issued'];

  async function webhooksView(view) {
    if (!isOperator()) {
      view.replaceChildren(h('h1', { text: t('nav.webhooks') }), h('p', { class: 'empty', text: t('prices.operator_only') }));
      return;
    }
    const results = h('div', { id: 'webhooks-result', tabindex: '-1' });
    const deliveries = h('div', { id: 'webhook-deliveries', tabindex: '-1' });
    const issued = h('div', { id: 'webhook-issued', tabindex: '-1', 'aria-live': 'polite' });
    const url = h('input', { id: 'webhook-url', type: 'url', maxlength: '2048', required: true, placeholder: 'https://' });
    const description = h('input', { id: 'webhook-description', maxlength: '200' });
    const boxes = WEBHOOK_EVENTS.map((name) => h('input', { type: 'checkbox', value: name, class: 'webhook-event',
      id: 'webhook-event-' + name.replace(/[._]/g, '-'), checked: name.startsWith('order.') }));
    const showSecret = (secret) => {
      // The secret is shown once, here; the API shows it in no other answer.
      const input = h('input', { id: 'webhook-secret', readonly: true, value: secret, size: '60' });
      issued.replaceChildren(h('div', { class: 'notice' }, h('p', { text: t('webhooks.secret_once') }),
        field(t('webhooks.secret'), input)));
      input.focus();
      input.select();
    };
    const act = async (work) => {
      try {
        await work();
        await load();
      } catch (error) {
        showProblem(results, error);
      }
    };
    const showDeliveries = async (endpoint) => {
      try {
        const path = '/v1/webhook-endpoints/' + encodeURIComponent(endpoint.id) + '/deliveries';
        const { data } = await api('GET', path);
        const answer = (d) => !d.last_attempt ? '—' : d.last_attempt.status_code
          ? String(d.last_attempt.status_code) + (d.last_attempt.response_excerpt ? ' ' + d.last_attempt.response_excerpt : '')
          : d.last_attempt.error;
        deliveries.replaceChildren(h('h2', { text: t('webhooks.deliveries', { url: endpoint.url }) }),
          data.items.length === 0 ? h('p', { class: 'empty', text: t('webhooks.no_deliveries') })
            : h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'deliveries-table' },
              h('thead', {}, h('tr', {}, ['webhooks.event', 'keys.status', 'webhooks.attempts', 'webhooks.answer',
                'webhooks.next_attempt', 'keys.created', 'order.actions'].map((k) => h('th', { scope: 'col', text: t(k) })))),
              h('tbody', {}, data.items.map((d) => h('tr', { 'data-delivery': d.id, 'data-status': d.status },
                h('td', { 'data-label': t('webhooks.event') }, d.event_type, h('div', { class: 'note-meta', text: d.id })),
                h('td', { 'data-label': t('keys.status'), text: t('webhooks.delivery.' + d.status) }),
                h('td', { 'data-label': t('webhooks.attempts'), text: String(d.attempts) }),
                h('td', { 'data-label': t('webhooks.answer'), text: answer(d) }),
                h('td', { 'data-label': t('webhooks.next_attempt'), text: d.next_attempt_at ? moment(d.next_attempt_at) : '—' }),
                h('td', { 'data-label': t('keys.created'), text: moment(d.created_at) }),
                h('td', { 'data-label': t('order.actions') }, h('button', {
                  type: 'button', class: 'secondary resend-delivery', text: t('webhooks.resend'), onclick: async () => {
                    try {
                      await api('POST', path + '/' + encodeURIComponent(d.id) + '/resending');
                      await showDeliveries(endpoint);
                    } catch (error) {
                      showProblem(deliveries, error);
                    }
                  },
                }))))))));
        deliveries.focus();
      } catch (error) {
        showProblem(deliveries, error);
      }
    };
    const load = async () => {
      try {
        const { data } = await api('GET', '/v1/webhook-endpoints');
        results.replaceChildren(data.items.length === 0 ? h('p', { class: 'empty', text: t('webhooks.none') })
          : h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'webhooks-table' },
            h('thead', {}, h('tr', {}, ['webhooks.url', 'webhooks.events', 'keys.status', 'keys.created', 'order.actions']
              .map((k) => h('th', { scope: 'col', text: t(k) })))),
            h('tbody', {}, data.items.map((endpoint) => {
              const base = '/v1/webhook-endpoints/' + encodeURIComponent(endpoint.id);
              return h('tr', { 'data-endpoint': endpoint.id, 'data-status': endpoint.status },
                h('td', { 'data-label': t('webhooks.url') }, endpoint.url,
                  h('div', { class: 'note-meta', text: endpoint.description || endpoint.id })),
                h('td', { 'data-label': t('webhooks.events'), text: endpoint.events.join(', ') }),
                h('td', { 'data-label': t('keys.status'), text: t('webhooks.status.' + endpoint.status) }),
                h('td', { 'data-label': t('keys.created'), text: moment(endpoint.created_at) }),
                h('td', { 'data-label': t('order.actions') },
                  h('button', { type: 'button', class: 'secondary show-deliveries', text: t('webhooks.log'),
                    onclick: () => showDeliveries(endpoint) }),
                  h('button', { type: 'button', class: 'secondary toggle-endpoint',
                    text: t(endpoint.status === 'disabled' ? 'webhooks.enable' : 'webhooks.disable'),
                    onclick: () => act(() => api('PATCH', base, { enabled: endpoint.status === 'disabled' })) }),
                  h('button', { type: 'button', class: 'secondary rotate-secret', text: t('webhooks.rotate'),
                    onclick: () => act(async () => {
                      if (!window.confirm(t('webhooks.rotate_confirm', { url: endpoint.url }))) return;
                      const { data: rotated } = await api('POST', base + '/secret-rotation', {});
                      showSecret(rotated.secret);
                    }) }),
                  h('button', { type: 'button', class: 'secondary delete-endpoint', text: t('webhooks.delete'),
                    onclick: () => act(async () => {
                      if (!window.confirm(t('webhooks.delete_confirm', { url: endpoint.url }))) return;
                      await api('DELETE', base);
                      deliveries.replaceChildren();
                    }) })));
            })))));
      } catch (error) {
        showProblem(results, error);
      }
    };
    const form = h('form', {
      class: 'card action', id: 'webhook-form', onsubmit: async (event) => {
        event.preventDefault();
        const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value),
          description: description.value.trim() };
        try {
          const { data } = await api('POST', '/v1/webhook-endpoints', body);
          url.value = '';
          description.value = '';
          await load();
          showSecret(data.secret);
        } catch (error) {
          showProblem(issued, error);
        }
      },
    }, h('h2', { text: t('webhooks.new') }),
    h('div', { class: 'row' }, field(t('webhooks.url'), url), field(t('webhooks.description'), description)),
    h('fieldset', { class: 'events' }, h('legend', { text: t('webhooks.events') }),
      boxes.map((box) => h('label', { for: box.id }, box, ' ' + box.value))),
    h('button', { type: 'submit', id: 'webhook-submit', text: t('webhooks.create') }), issued);
    view.replaceChildren(h('h1', { text: t('nav.webhooks') }), h('p', { class: 'empty', text: t('webhooks.hint') }),
      form, results, deliveries);
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

  // ------------------------------------------------------------------ customers (the register; operators edit)
  // GET /v1/customers?q= finds them; a customer opens in a form that PUTs the whole record back (name, email,
  // language, VAT id, billing address and the delivery addresses the portal and "New order" offer).
  function addressFields(prefix, address) {
    const a = address || {};
    const input = (name, max, attrs) => h('input', Object.assign({ class: prefix + '-' + name, value: a[name] || '', maxlength: String(max) }, attrs || {}));
    return {
      inputs: { name: input('name', 200), street: input('street', 200), additional_street: input('additional_street', 200),
        postal_code: input('postal_code', 20), city: input('city', 100), country: input('country', 2, { pattern: '[A-Z]{2}' }) },
      value() {
        const out = {};
        for (const [name, element] of Object.entries(this.inputs)) if (element.value.trim()) out[name] = element.value.trim();
        return Object.keys(out).length ? out : null;
      },
      render() {
        const i = this.inputs;
        return [h('div', { class: 'row' }, field(t('customer.address_name'), i.name), field(t('customer.street'), i.street),
          field(t('customer.additional_street'), i.additional_street)),
        h('div', { class: 'row' }, field(t('customer.postal_code'), i.postal_code), field(t('customer.city'), i.city),
          field(t('customer.country'), i.country, 'SE, DE, …'))];
      },
    };
  }

  async function customersView(view, id) {
    if (id) { customerView(view, id); return; }
    const query = new URLSearchParams(location.search);
    const search = h('input', { id: 'customers-search', type: 'search', name: 'q', value: query.get('q') || '', maxlength: '100' });
    const results = h('div', { id: 'customers-results', tabindex: '-1' }, h('p', { class: 'loading', text: t('app.loading') }));
    const form = h('form', { class: 'filters', role: 'search', onsubmit: (event) => {
      event.preventDefault();
      history.pushState({}, '', '/console/customers' + (search.value.trim() ? '?q=' + encodeURIComponent(search.value.trim()) : ''));
      render();
    } }, field(t('filter.search'), search, t('new_order.customer_hint')),
    h('button', { type: 'submit', id: 'customers-apply', text: t('filter.apply') }));
    const newId = h('input', { id: 'customer-new-id', maxlength: '64', pattern: '[A-Za-z0-9._/:-]{1,64}' });
    const create = isOperator() ? h('form', { class: 'filters', onsubmit: (event) => {
      event.preventDefault();
      if (!newId.value.trim()) return;
      history.pushState({}, '', '/console/customers/' + encodeURIComponent(newId.value.trim()));
      render();
    } }, field(t('customer.new_id'), newId), h('button', { type: 'submit', id: 'customer-new', text: t('customer.new') })) : null;
    view.replaceChildren(h('h1', { text: t('nav.customers') }), form, create, results);
    try {
      const params = new URLSearchParams({ limit: '50' });
      if (query.get('q')) params.set('q', query.get('q'));
      const { data } = await api('GET', '/v1/customers?' + params);
      results.replaceChildren(data.items.length ? h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'customers-table' },
        h('thead', {}, h('tr', {}, ['customer.id', 'customer.name', 'customer.email', 'customer.city']
          .map((k) => h('th', { scope: 'col', text: t(k) })))),
        h('tbody', {}, data.items.map((c) => h('tr', { 'data-customer': c.id },
          h('td', { 'data-label': t('customer.id') }, link('/console/customers/' + encodeURIComponent(c.id), c.id)),
          h('td', { 'data-label': t('customer.name'), text: c.name }),
          h('td', { 'data-label': t('customer.email'), text: c.email }),
          h('td', { 'data-label': t('customer.city'), text: (c.address || {}).city || '' }))))))
        : h('p', { class: 'empty', text: t('new_order.no_customer') }));
    } catch (error) {
      showProblem(results, error);
    }
  }

  async function customerView(view, id) {
    let current = { id };
    let exists = true;
    try {
      current = (await api('GET', '/v1/customers/' + encodeURIComponent(id))).data;
    } catch (error) {
      if (error.status !== 404) { showProblem(view, error); return; }
      exists = false;
    }
    const errors = h('div', { id: 'customer-errors', tabindex: '-1' });
    const name = h('input', { id: 'customer-name', value: current.name || '', maxlength: '200', required: true });
    const email = h('input', { id: 'customer-email', type: 'email', value: current.email || '', maxlength: '254', required: true });
    const language = h('input', { id: 'customer-language', value: current.language || '', maxlength: '8' });
    const vat = h('input', { id: 'customer-vat-id', value: current.vat_id || '', maxlength: '32' });
    const billing = addressFields('billing', current.address);
    const deliveries = h('div', { id: 'customer-delivery-addresses' });
    const addDelivery = (entry) => {
      const e = entry || {};
      const key = h('input', { class: 'delivery-id', value: e.id || '', maxlength: '40', pattern: '[A-Za-z0-9._-]{1,40}' });
      const fields = addressFields('delivery', e.address);
      const box = h('fieldset', { class: 'delivery-address' }, h('legend', { text: t('customer.delivery_address') }),
        field(t('customer.delivery_id'), key), ...fields.render());
      box.read = () => ({ id: key.value.trim(), address: fields.value() });
      box.append(h('button', { type: 'button', class: 'secondary remove-line', text: t('new_order.remove_line'), onclick: () => box.remove() }));
      deliveries.append(box);
    };
    (current.delivery_addresses || []).forEach(addDelivery);
    const form = h('form', { class: 'card action', id: 'customer-form', onsubmit: async (event) => {
      event.preventDefault();
      const body = { name: name.value.trim(), email: email.value.trim() };
      if (language.value.trim()) body.language = language.value.trim();
      if (vat.value.trim()) body.vat_id = vat.value.trim();
      const address = billing.value();
      if (address) body.address = address;
      for (const kept of ['discount', 'peppol_id']) if (current[kept]) body[kept] = current[kept];
      body.delivery_addresses = [...deliveries.querySelectorAll('.delivery-address')].map((box) => box.read());
      try {
        current = (await api('PUT', '/v1/customers/' + encodeURIComponent(id), body)).data;
        exists = true;
        notice(errors, t('customer.saved'));
      } catch (error) {
        showProblem(errors, error);
      }
    } },
    h('div', { class: 'row' }, field(t('customer.name'), name), field(t('customer.email'), email)),
    h('div', { class: 'row' }, field(t('customer.language'), language, 'sv, de, en, …'), field(t('settings.vat_id'), vat)),
    h('h2', { text: t('customer.billing_address') }), ...billing.render(),
    h('h2', { text: t('customer.delivery_addresses') }), deliveries,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', id: 'customer-add-delivery',
      text: t('customer.add_delivery_address'), onclick: () => addDelivery(null) })),
    isOperator() ? h('button', { type: 'submit', id: 'customer-submit', text: t('customer.save') }) : null,
    errors);
    if (!isOperator()) for (const input of form.querySelectorAll('input')) input.readOnly = true;
    view.replaceChildren(h('h1', { id: 'customer-title', text: (exists ? '' : t('customer.new') + ': ') + id }), form,
      link('/console/orders?customer_id=' + encodeURIComponent(id), t('customer.orders')),
      exists && isOperator() ? collectiveInvoiceForm(id) : null);
  }

  // One invoice of several despatches of the customer (POST /v1/customers/{id}/invoices, decision 0020): the
  // despatches of its orders that shipped and are not wholly invoiced, to tick; one Idempotency-Key per form, so a
  // second click or a retry of the same choice gets the same invoice.
  function collectiveInvoiceForm(id) {
    const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2));
    let key = newKey();
    const list = h('div', { id: 'collect-despatches' });
    const result = h('div', { id: 'collect-result', tabindex: '-1' });
    const load = async () => {
      list.replaceChildren(h('p', { class: 'loading', text: t('app.loading') }));
      try {
        const { data } = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/orders?limit=50');
        const open = data.items.filter((o) => ['partially_delivered', 'delivered', 'partially_invoiced'].includes(o.status)).slice(0, 30);
        const boxes = [];
        for (const row of open) {
          const order = (await api('GET', '/v1/orders/' + encodeURIComponent(row.id))).data;
          for (const d of order.despatches || []) {
            const box = h('input', { type: 'checkbox', id: 'collect-' + boxes.length, 'data-order': order.id, 'data-despatch': d.despatch_number });
            boxes.push(h('li', {}, h('label', { for: box.id }, box,
              ' ' + order.order_number + ' · ' + d.despatch_number + ' · ' + day(d.despatch_date))));
          }
        }
        list.replaceChildren(boxes.length ? h('ul', { id: 'collect-list' }, boxes) : h('p', { class: 'empty', text: t('collect.none') }));
      } catch (error) {
        showProblem(list, error);
      }
    };
    const form = h('form', { class: 'card action', id: 'collect-form', onsubmit: async (event) => {
      event.preventDefault();
      const despatches = [...list.querySelectorAll('input[type=checkbox]:checked')]
        .map((box) => ({ order_id: box.dataset.order, despatch_number: box.dataset.despatch }));
      if (!despatches.length) { notice(result, t('collect.pick')); return; }
      try {
        const { data } = await api('POST', '/v1/customers/' + encodeURIComponent(id) + '/invoices', { despatches }, { 'Idempotency-Key': key });
        key = newKey();
        await load();
        result.replaceChildren(h('p', { class: 'notice', role: 'status' }, t('collect.issued') + ' ',
          h('a', { class: 'pdf', href: '/v1/invoices/' + encodeURIComponent(data.number) + '/invoice.pdf', download: '', text: data.number })));
      } catch (error) {
        showProblem(result, error);
      }
    } }, h('h2', { text: t('collect.title') }), h('p', { text: t('collect.hint') }), list,
    h('button', { type: 'submit', id: 'collect-submit', text: t('collect.submit') }), result);
    load();
    return form;
  }

  // ------------------------------------------------------------------ settings (the seller's own, operators only)
  // GET /v1/settings with its ETag; the form changes what a seller runs day to day and PUTs the whole document
  // back under If-Match, so two people editing at once cannot overwrite each other (412: reload and redo).
  async function settingsView(view) {
    if (!isOperator()) {
      view.replaceChildren(h('h1', { text: t('nav.settings') }), h('p', { class: 'empty', text: t('prices.operator_only') }));
      return;
    }
    const errors = h('div', { id: 'settings-errors', tabindex: '-1' });
    const historyBox = h('section', { class: 'card', id: 'settings-history' });
    view.replaceChildren(h('h1', { text: t('nav.settings') }), h('p', { class: 'loading', text: t('app.loading') }));
    let current;
    let etag;
    try {
      const answer = await api('GET', '/v1/settings');
      current = answer.data;
      etag = answer.headers.get('ETag');
    } catch (error) {
      showProblem(view, error);
      return;
    }
    const select = (id, value, options) => h('select', { id }, options.map((o) => h('option', { value: o, selected: o === value, text: t('settings.value.' + o) })));
    const input = (id, value, attrs) => h('input', Object.assign({ id, value: value === undefined || value === null ? '' : String(value) }, attrs || {}));
    const invoicing = current.invoicing || {};
    const peppol = current.peppol_id || {};
    const peppolOrders = current.peppol_orders || {};
    const fields = {
      response_policy: select('settings-response-policy', current.response_policy, ['automatic', 'manual']),
      shortage_policy: select('settings-shortage-policy', current.shortage_policy, ['accept_with_changes', 'reject_line']),
      invoice_trigger: select('settings-invoice-trigger', current.invoice_trigger, ['per_despatch', 'on_delivery', 'collected']),
      buyer_prices: select('settings-buyer-prices', peppolOrders.buyer_prices || 'ours_win', ['ours_win', 'review']),
      unknown_buyers: select('settings-unknown-buyers', peppolOrders.unknown_buyers || 'refuse', ['refuse', 'register']),
      order_desk_email: input('settings-order-desk-email', current.order_desk_email, { type: 'email', maxlength: '254' }),
      warehouses: input('settings-warehouses', (current.warehouses || []).join(', ')),
      peppol_scheme: input('settings-peppol-scheme', peppol.scheme, { maxlength: '4', pattern: '[0-9]{4}' }),
      peppol_id: input('settings-peppol-id', peppol.id, { maxlength: '50' }),
      vat_id: input('settings-vat-id', invoicing.vat_id, { maxlength: '32' }),
      legal_registration_id: input('settings-legal-id', invoicing.legal_registration_id, { maxlength: '64' }),
      iban: input('settings-iban', invoicing.iban, { maxlength: '34', autocomplete: 'off' }),
      bic: input('settings-bic', invoicing.bic, { maxlength: '11', autocomplete: 'off' }),
      payment_terms_days: input('settings-payment-terms', invoicing.payment_terms_days, { type: 'number', min: '0', max: '365', step: '1' }),
      invoice_prefix: input('settings-invoice-prefix', invoicing.invoice_prefix, { maxlength: '20' }),
    };
    const carriers = h('div', { id: 'settings-carriers' });
    const addCarrier = (name, template) => {
      const row = h('div', { class: 'row carrier' },
        field(t('settings.carrier'), input(null, name, { class: 'carrier-name', maxlength: '40' })),
        field(t('settings.tracking_url'), input(null, template, { class: 'carrier-template', type: 'url', maxlength: '500' }), t('settings.tracking_hint')));
      row.append(h('button', { type: 'button', class: 'secondary remove-line', text: t('new_order.remove_line'), onclick: () => row.remove() }));
      carriers.append(row);
    };
    for (const [name, template] of Object.entries(current.tracking_url_templates || {})) addCarrier(name, template);
    const text = (value) => value.trim() || undefined;
    const form = h('form', { class: 'card action', id: 'settings-form', onsubmit: async (event) => {
      event.preventDefault();
      const next = JSON.parse(JSON.stringify(current));
      next.response_policy = fields.response_policy.value;
      next.shortage_policy = fields.shortage_policy.value;
      next.invoice_trigger = fields.invoice_trigger.value;
      next.peppol_orders = { buyer_prices: fields.buyer_prices.value, unknown_buyers: fields.unknown_buyers.value };
      next.order_desk_email = text(fields.order_desk_email.value);
      next.warehouses = fields.warehouses.value.split(',').map((w) => w.trim()).filter(Boolean);
      next.tracking_url_templates = Object.fromEntries([...carriers.querySelectorAll('.carrier')]
        .map((row) => [row.querySelector('.carrier-name').value.trim(), row.querySelector('.carrier-template').value.trim()])
        .filter(([name]) => name));
      if (fields.peppol_scheme.value.trim() || fields.peppol_id.value.trim()) {
        next.peppol_id = { scheme: fields.peppol_scheme.value.trim(), id: fields.peppol_id.value.trim() };
      } else {
        delete next.peppol_id;
      }
      next.invoicing = Object.assign({}, next.invoicing || {}, {
        vat_id: text(fields.vat_id.value), legal_registration_id: text(fields.legal_registration_id.value),
        iban: text(fields.iban.value.replace(/\s+/g, '')), bic: text(fields.bic.value),
        payment_terms_days: fields.payment_terms_days.value.trim() === '' ? undefined : Number(fields.payment_terms_days.value),
        invoice_prefix: text(fields.invoice_prefix.value),
      });
      try {
        const answer = await api('PUT', '/v1/settings', next, { 'If-Match': etag });
        current = answer.data;
        etag = answer.headers.get('ETag');
        notice(errors, t('settings.saved'));
        loadSettingsHistory(historyBox);
      } catch (error) {
        if (error.status === 412) notice(errors, t('settings.stale'));
        else showProblem(errors, error);
      }
    } },
    h('h2', { text: t('settings.orders') }),
    h('div', { class: 'row' }, field(t('settings.response_policy'), fields.response_policy),
      field(t('settings.shortage_policy'), fields.shortage_policy)),
    h('div', { class: 'row' }, field(t('settings.order_desk_email'), fields.order_desk_email),
      field(t('settings.warehouses'), fields.warehouses, t('settings.warehouses_hint'))),
    h('h2', { text: t('settings.carriers') }),
    carriers,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', id: 'settings-add-carrier',
      text: t('settings.add_carrier'), onclick: () => addCarrier('', '') })),
    h('h2', { text: t('settings.invoicing') }),
    h('div', { class: 'row' }, field(t('settings.invoice_trigger'), fields.invoice_trigger),
      field(t('settings.payment_terms'), fields.payment_terms_days), field(t('settings.invoice_prefix'), fields.invoice_prefix)),
    h('div', { class: 'row' }, field(t('settings.vat_id'), fields.vat_id), field(t('settings.legal_id'), fields.legal_registration_id)),
    h('div', { class: 'row' }, field('IBAN', fields.iban), field('BIC', fields.bic)),
    h('div', { class: 'row' }, field(t('settings.peppol_scheme'), fields.peppol_scheme), field(t('settings.peppol_id'), fields.peppol_id)),
    h('h2', { text: t('settings.peppol_orders') }),
    h('div', { class: 'row' }, field(t('settings.buyer_prices'), fields.buyer_prices),
      field(t('settings.unknown_buyers'), fields.unknown_buyers)),
    h('button', { type: 'submit', id: 'settings-submit', text: t('settings.save') }),
    errors);
    view.replaceChildren(h('h1', { text: t('nav.settings') }), form, historyBox);
    loadSettingsHistory(historyBox);
  }

  async function loadSettingsHistory(container) {
    try {
      const { data } = await api('GET', '/v1/settings/history');
      container.replaceChildren(h('h2', { text: t('settings.history') }), data.items.length
        ? h('ul', { class: 'history' }, data.items.map((c) => h('li', { 'data-version': String(c.version) },
          h('time', { datetime: c.at, text: moment(c.at) }), ' ', h('span', { class: 'actor', text: c.by }), ' ',
          h('strong', { text: c.changed.join(', ') }))))
        : h('p', { class: 'empty', text: t('settings.no_history') }));
    } catch (error) {
      showProblem(container, error);
    }
  }

  document.addEventListener('DOMContentLoaded', boot);
})();
