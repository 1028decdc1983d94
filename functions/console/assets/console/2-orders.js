// Console script, part 2 of 3: the order list and the order detail with its action forms.
// The parts are one script, concatenated in file-name order by functions/console/src/handler.rs (part 1
// opens the closure every part shares, part 3 closes it).
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
        emailFeedback(order),
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
    // Sections with nothing to show are null: left out (replaceChildren would print them as "null").
    view.replaceChildren(...[
      h('p', {}, link('/console/orders', '← ' + t('nav.orders'))),
      header, lines, requestsSection(order, refresh), actions,
      notesSection(order, refresh),
      buyerSection(order),
      despatchesSection(order),
      invoicesSection(order, messages, refresh),
      documentsSection(order),
      historySection(order)].filter((section) => section));
  }

  // What SES reported about the buyer's address (a permanent bounce, a complaint), from the customer register:
  // filled in when the customer is read, so the order shows at once.
  function emailFeedback(order) {
    const slot = h('div', { id: 'buyer-email-feedback' });
    if (!order.buyer.customer_id) return slot;
    api('GET', '/v1/customers/' + encodeURIComponent(order.buyer.customer_id)).then(({ data }) => {
      const feedback = data.email_feedback;
      if (!feedback) return;
      slot.append(h('dt', { text: t('order.email_feedback') }),
        h('dd', {}, h('span', { class: 'badge tone-bad', text: t('email_feedback.' + feedback.status) }), ' ', feedback.detail));
    }).catch(() => {});
    return slot;
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
        h('span', { class: 'row-label', text: line.line_no + ' · ' + article(line) }),
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
      h('span', { class: 'row-label', text: line.line_no + ' · ' + article(line) }),
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
    inputs.map(({ line, input }) => field(line.line_no + ' · ' + article(line) + ' (' + t('line.confirmed') + ' ' + quantity(line.confirmed_quantity) + ')', input)),
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
      inputs.map(({ line, input }) => field(line.line_no + ' · ' + article(line) + ' (' + t('line.open') + ' ' + quantity(line.open_quantity) + ')', input))),
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
      h('a', { href: '/v1/orders/' + encodeURIComponent(order.id) + '/despatches/' + encodeURIComponent(d.despatch_number), download: '', text: t('doc.despatch_advice') }), ' · ',
      h('a', { href: '/v1/orders/' + encodeURIComponent(order.id) + '/despatches/' + encodeURIComponent(d.despatch_number) + '/delivery-note.pdf', class: 'delivery-note', download: '', text: t('doc.delivery_note') })));
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
          h('span', { class: 'row-label', text: line.line_id + ' · ' + article(line) + ' · ' + quantity(line.quantity) + ' × ' + money(line.unit_price, invoice.currency) }),
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

  // ------------------------------------------------------------------ new order (staff enter one taken by phone, email or fax)
  // The order goes through the same intake as a webshop's (POST /v1/orders with the session): the customer found by
  // name, id or email, products with the customer's price and what is available, free-text lines (a description,
  // a unit price and a VAT rate), the delivery address from the customer. One Idempotency-Key per form: a second
  // click or a retry after a lost answer gives the same order.
  function newOrderView(view) {
    if (!isOperator()) {
      view.replaceChildren(h('h1', { text: t('new_order.title') }), h('p', { class: 'empty', text: t('prices.operator_only') }));
      return;
    }
    const errors = h('div', { id: 'new-order-errors', tabindex: '-1' });
    const idempotencyKey = 'console-' + (window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2));
    let customer = null;
    let products = [];
    const channel = h('select', { id: 'new-order-channel' },
      ['phone', 'email', 'fax'].map((c) => h('option', { value: c, text: t('channel.' + c) })));
    const customerSearch = h('input', { id: 'new-order-customer-search', type: 'search', autocomplete: 'off', maxlength: '100' });
    const customerResults = h('ul', { id: 'new-order-customers', class: 'picks' });
    const chosen = h('p', { id: 'new-order-customer', class: 'chosen', 'aria-live': 'polite', text: t('new_order.no_customer_yet') });
    const address = h('select', { id: 'new-order-address', required: true });
    const today = new Date().toISOString().slice(0, 10);
    const date = h('input', { id: 'new-order-date', type: 'date', min: today });
    const notes = h('textarea', { id: 'new-order-notes', rows: '2', maxlength: '2000' });
    const productSearch = h('input', { id: 'new-order-product-search', type: 'search', autocomplete: 'off', disabled: true });
    const productResults = h('ul', { id: 'new-order-products', class: 'picks' });
    const lines = h('div', { id: 'new-order-lines' });
    let addresses = [];

    let customerTimer = null;
    customerSearch.addEventListener('input', () => {
      clearTimeout(customerTimer);
      customerTimer = setTimeout(findCustomers, 250);
    });
    async function findCustomers() {
      const q = customerSearch.value.trim();
      if (!q) { customerResults.replaceChildren(); return; }
      try {
        const { data } = await api('GET', '/v1/customers?' + new URLSearchParams({ q, limit: '10' }));
        if (q !== customerSearch.value.trim()) return; // a later search is on its way
        customerResults.replaceChildren(...(data.items.length ? data.items.map((c) => h('li', {},
          h('button', { type: 'button', class: 'pick-customer secondary', 'data-customer': c.id, onclick: () => choose(c) },
            c.name + ' (' + c.id + ')' + (c.email ? ' · ' + c.email : ''))))
          : [h('li', { class: 'empty', text: t('new_order.no_customer') })]));
      } catch (error) {
        showProblem(errors, error);
      }
    }
    async function choose(c) {
      customer = c;
      chosen.textContent = c.name + ' (' + c.id + ')';
      chosen.dataset.customer = c.id;
      customerResults.replaceChildren();
      addresses = (c.delivery_addresses && c.delivery_addresses.length) ? c.delivery_addresses.map((a) => a.address)
        : (c.address ? [c.address] : []);
      address.replaceChildren(...addresses.map((a, i) => h('option', { value: String(i),
        text: [a.name, a.street, a.postal_code + ' ' + a.city, a.country].join(', ') })));
      try {
        products = await allProducts(c.id); // the customer's prices and what is available
        productSearch.disabled = false;
        productSearch.focus();
      } catch (error) {
        showProblem(errors, error);
      }
    }
    productSearch.addEventListener('input', () => {
      const q = productSearch.value.trim().toLowerCase();
      if (!q) { productResults.replaceChildren(); return; }
      const found = products.filter((p) => p.sku.toLowerCase().includes(q) || p.name.toLowerCase().includes(q)).slice(0, 10);
      productResults.replaceChildren(...(found.length ? found.map((p) => h('li', {},
        h('button', { type: 'button', class: 'pick-product secondary', 'data-sku': p.sku, onclick: () => {
          addProductLine(p);
          productSearch.value = '';
          productResults.replaceChildren();
        } }, p.sku + ' · ' + p.name + ' · ' + money(p.price, p.currency) + ' · '
          + t('new_order.available', { n: quantity(p.available_quantity) }))))
        : [h('li', { class: 'empty', text: t('new_order.no_product') })]));
    });

    const removeButton = (row) => h('button', { type: 'button', class: 'secondary remove-line', text: t('new_order.remove_line'),
      onclick: () => row.remove() });
    function addProductLine(p) {
      const n = lines.children.length + 1;
      const qty = h('input', { class: 'new-order-qty', type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: '1', required: true });
      const row = h('div', { class: 'row new-order-line', 'data-sku': p.sku, 'data-currency': p.currency },
        h('span', { class: 'row-label', text: p.sku + ' · ' + p.name + ' · ' + money(p.price, p.currency) }),
        field(t('new_order.quantity', { n }), qty, t('new_order.available', { n: quantity(p.available_quantity) })));
      row.append(removeButton(row));
      lines.append(row);
      qty.focus();
    }
    function addFreeTextLine() {
      const n = lines.children.length + 1;
      const description = h('input', { class: 'new-order-description', maxlength: '200', required: true });
      const qty = h('input', { class: 'new-order-qty', type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: '1', required: true });
      const price = h('input', { class: 'new-order-price', type: 'number', min: '0', step: '0.01', inputmode: 'decimal', required: true });
      const vat = h('input', { class: 'new-order-vat', type: 'number', min: '0', max: '100', step: '0.01', inputmode: 'decimal', value: '25', required: true });
      const row = h('div', { class: 'row new-order-line free-text' },
        field(t('new_order.description', { n }), description), field(t('line.ordered'), qty),
        field(t('quote.price'), price), field(t('new_order.vat_rate'), vat));
      row.append(removeButton(row));
      lines.append(row);
      description.focus();
    }

    const form = h('form', { class: 'card action', id: 'new-order-form', onsubmit: async (event) => {
      event.preventDefault();
      if (!customer) { notice(errors, t('new_order.choose_customer')); customerSearch.focus(); return; }
      const rows = [...lines.querySelectorAll('.new-order-line')];
      if (!rows.length) { notice(errors, t('new_order.add_a_line')); productSearch.focus(); return; }
      const body = {
        channel: channel.value,
        currency: (rows.find((r) => r.dataset.currency) || {}).dataset?.currency || (products[0] || {}).currency,
        buyer: { customer_id: customer.id },
        delivery_address: addresses[Number(address.value)] || customer.address,
        lines: rows.map((row) => row.classList.contains('free-text') ? {
          description: row.querySelector('.new-order-description').value.trim(),
          quantity: row.querySelector('.new-order-qty').value.trim(),
          unit_price: row.querySelector('.new-order-price').value.trim(),
          vat_rate: row.querySelector('.new-order-vat').value.trim(),
        } : { sku: row.dataset.sku, quantity: row.querySelector('.new-order-qty').value.trim() }),
      };
      if (date.value) body.requested_delivery_date = date.value;
      if (notes.value.trim()) body.notes = notes.value.trim();
      try {
        const { data } = await api('POST', '/v1/orders', body, { 'Idempotency-Key': idempotencyKey });
        history.pushState({}, '', '/console/orders/' + encodeURIComponent(data.id));
        render();
      } catch (error) {
        showProblem(errors, error);
      }
    } },
    h('div', { class: 'row' }, field(t('new_order.channel'), channel),
      field(t('new_order.customer'), customerSearch, t('new_order.customer_hint'))),
    customerResults, chosen,
    h('div', { class: 'row' }, field(t('new_order.address'), address), field(t('new_order.date'), date)),
    field(t('new_order.product'), productSearch, t('new_order.product_hint')),
    productResults,
    lines,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', id: 'new-order-free-text',
      text: t('new_order.add_free_text'), onclick: addFreeTextLine })),
    field(t('order.buyer_notes'), notes),
    h('button', { type: 'submit', id: 'new-order-submit', text: t('new_order.place') }),
    errors);
    view.replaceChildren(h('h1', { text: t('new_order.title') }), form);
    customerSearch.focus();
  }
