// The six-step booking widget: one page, client-side views, state only in this page's memory.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("__NEXT_DATA__").textContent);
  const cfg = JSON.parse(document.getElementById("widget-config").textContent);
  const medspa = data.props.pageProps.medspaInfo;
  const root = document.getElementById("__next");
  const zone = medspa.timezone;
  const s = {
    step: 1, item: null, provider: null, panelFor: null, month: null, day: null,
    days: {}, times: null, slot: null, phone: "", first: "", last: "", email: "",
    error: "", busy: false, query: "",
  };

  const esc = (t) => String(t).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const items = () => medspa.serviceCategories.flatMap((c) => c.medspaServiceMenuItems);
  const person = (um) => `${um.user.firstName} ${um.user.lastName}`;
  const eligible = (item) => item.serviceMenuAdditionalPublicInfo.eligibleProvidersDetails;
  const hhmm = (iso) => new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  const iso = (y, m, d) => `${y}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const monthName = (y, m) => new Date(Date.UTC(y, m, 1)).toLocaleString("en-US", {
    month: "long", year: "numeric", timeZone: "UTC" });

  async function gql(operationName, query, variables) {
    const r = await fetch(cfg.graphql, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ operationName, query, variables }),
    });
    const body = await r.json();
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  function slotsQuery(start, end) {
    const service = { serviceMenuItemId: s.item.id, order: 1,
      noPreference: s.provider === "any" };
    if (s.provider !== "any") service.providerId = s.provider;
    return gql("AvailableTimeSlots",
      "query AvailableTimeSlots($medspaId: ID!, $startDate: String!, $endDate: String!, " +
      "$services: [ServiceInput!]!) { availableTimeSlots(medspaId: $medspaId, startDate: " +
      "$startDate, endDate: $endDate, services: $services) { dates { date slots { start end } } } }",
      { medspaId: medspa.id, startDate: start, endDate: end, services: [service] });
  }

  const header = (title) => `<p class="step-label">Step ${s.step} of 6</p><h2>${esc(title)}</h2>` +
    (s.error ? `<div class="notice notice-error" role="alert"><strong>${
      s.step === 6 ? "Payment failed" : "Please check"}</strong> <span>${esc(s.error)}</span></div>` : "");
  const footer = (ready, label = "Next step") => `<div class="footer-actions">${
    s.step > 1 ? '<button type="button" class="back">Back</button> ' : ""}<button type="button" class="next"${
    ready && !s.busy ? "" : " disabled"}>${label}</button></div>`;

  function viewService() {
    let html = header("Choose a treatment") +
      `<input type="search" class="search" placeholder="Search treatments" aria-label="Search treatments" value="${esc(s.query)}">`;
    for (const cat of medspa.serviceCategories) {
      html += `<h3>${esc(cat.name)}</h3>`;
      for (const it of cat.medspaServiceMenuItems) {
        const n = eligible(it).length;
        const chosen = s.item && s.item.id === it.id && s.provider;
        html += `<div class="service-card${chosen ? " chosen" : ""}" data-item="${esc(it.id)}" data-name="${esc(it.name.toLowerCase())}">` +
          `<div class="svc-title">${esc(it.name)}</div><div class="svc-meta">${it.durationInMinutes} min · £${esc(it.price)}${
          n > 1 ? ` · ${n} providers` : ""}</div>`;
        if (s.panelFor === it.id) {
          html += '<div class="provider-panel" role="group" aria-label="Choose a provider"><p>Who would you like to see?</p>' +
            `<label><input type="radio" name="provider" value="any"${s.pending === "any" ? " checked" : ""}> No preference (first available)</label>` +
            eligible(it).map((e) => `<label><input type="radio" name="provider" value="${esc(e.userMedspa.id)}"${
              s.pending === e.userMedspa.id ? " checked" : ""}> ${esc(person(e.userMedspa))}</label>`).join("") +
            '<button type="button" class="confirm">Confirm selection</button></div>';
        }
        html += "</div>";
      }
    }
    return html + footer(Boolean(s.item && s.provider));
  }

  function viewDate() {
    const [y, m] = s.month;
    const first = new Date(Date.UTC(y, m, 1)).getUTCDay();
    const count = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    let cells = "";
    for (let i = 0; i < first; i++) cells += '<td role="gridcell" aria-disabled="true"></td>';
    for (let d = 1; d <= count; d++) {
      const key = iso(y, m, d);
      const open = s.days[key] > 0;
      if ((first + d - 1) % 7 === 0) cells += '</tr><tr role="row">';
      cells += `<td role="gridcell" data-day="${key}" aria-disabled="${!open}"${
        s.day === key ? ' aria-selected="true"' : ""}>${d}</td>`;
    }
    let times = '<p class="hint">Select a day to see available times.</p>';
    if (s.day && s.times === null) times = '<p class="hint">Loading times…</p>';
    else if (s.day && s.times.length === 0) times = "<p>No times available on this day.</p>";
    else if (s.day) {
      times = s.times.map((t, i) => `<div class="time-chip${s.slot === t ? " picked" : ""}" data-i="${i}" tabindex="0">${
        esc(hhmm(t.start))}</div>`).join("");
    }
    return header("Pick a date and time") + '<div class="calendar-and-times"><div class="calendar">' +
      `<div class="month-bar"><button type="button" class="prev-month" aria-label="Previous month">‹</button> ` +
      `<span class="month-title">${monthName(y, m)}</span><span aria-hidden="true"> ▾</span> ` +
      '<button type="button" class="next-month" aria-label="Next month">›</button></div>' +
      `<table role="grid" aria-label="${monthName(y, m)}"><tr role="row">${
        ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"].map((d) => `<th role="columnheader">${d}</th>`).join("")}</tr>` +
      `<tr role="row">${cells}</tr></table></div><div class="times">${times}</div></div>` + footer(Boolean(s.slot));
  }

  function field(id, label, value, type = "text") {
    return `<label for="${id}">${label}</label><input id="${id}" type="${type}" value="${esc(value)}">`;
  }

  function viewPhone() {
    return header("Enter account details") + "<p>We'll look you up by your mobile number.</p>" +
      field("m-phone", "Mobile number", s.phone, "tel") + footer(true);
  }

  function viewInfo() {
    return header("Your information") + field("m-first", "First Name", s.first) +
      field("m-last", "Last Name", s.last) + field("m-email", "Email address", s.email, "email") + footer(true);
  }

  function summary() {
    const who = s.provider === "any" ? "First available provider" :
      person(eligible(s.item).find((e) => e.userMedspa.id === s.provider).userMedspa);
    const day = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "long", month: "long",
      day: "numeric" }).format(new Date(s.slot.start));
    return `<dl class="summary"><dt>Treatment</dt><dd>${esc(s.item.name)}</dd><dt>With</dt><dd>${esc(who)}</dd>` +
      `<dt>When</dt><dd>${esc(day)}, ${esc(hhmm(s.slot.start))}</dd><dt>Client</dt><dd>${esc(s.first)} ${esc(s.last)}</dd></dl>`;
  }

  function viewReview() {
    return header("Review your booking") + summary() +
      `<p>A ${esc(window.DEPOSIT)} deposit is taken on the next page to complete booking.</p>` + footer(true);
  }

  function viewPay() {
    return header("Payment") + summary() + field("m-card", "Card number", "") +
      field("m-exp", "Expiration (MM/YY)", "") + field("m-cvc", "CVC", "") +
      footer(true, s.busy ? "Booking…" : "Book appointment");
  }

  const views = [null, viewService, viewDate, viewPhone, viewInfo, viewReview, viewPay];

  function render() {
    root.innerHTML = `<div class="widget step-${s.step}">${views[s.step]()}</div>`;
    const search = root.querySelector(".search");
    if (search) filter(search.value);
  }

  function filter(text) {
    s.query = text;
    for (const card of root.querySelectorAll(".service-card")) {
      card.hidden = Boolean(text) && !card.dataset.name.includes(text.toLowerCase());
    }
  }

  async function loadMonth() {
    const [y, m] = s.month;
    const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    s.days = {};
    try {
      const found = await slotsQuery(iso(y, m, 1), iso(y, m, last));
      for (const d of found.availableTimeSlots.dates) s.days[d.date] = d.slots.length;
    } catch (e) { s.error = e.message; }
    render();
  }

  async function pickDay(key) {
    s.day = key; s.times = null; s.slot = null; render();
    const asked = Date.now();
    let times = [];
    try {
      times = (await slotsQuery(key, key)).availableTimeSlots.dates[0].slots;
    } catch (e) { s.error = e.message; }
    // The real widget shows times seconds after the click.
    await new Promise((r) => setTimeout(r, Math.max(0, cfg.timesDelayMs - (Date.now() - asked))));
    if (s.day === key) { s.times = times; render(); }
  }

  async function pay() {
    const card = root.querySelector("#m-card").value;
    const expiry = root.querySelector("#m-exp").value;
    const cvc = root.querySelector("#m-cvc").value;
    s.busy = true; s.error = ""; render();
    const chosen = s.provider === "any" ? null : s.provider;
    try {
      const out = (await gql("CreateAppointmentByClient",
        "mutation CreateAppointmentByClient($input: JSON!) { createAppointmentByClient { ok message scheduledAppointment { id } } }",
        { medspaId: medspa.id, firstName: s.first, lastName: s.last, email: s.email, phone: s.phone,
          note: "", bookingFlow: "online", isNewClient: true, noPreferenceProviderUsed: chosen === null,
          services: [{ serviceMenuItemId: s.item.id, providerId: chosen, startTime: s.slot.start, endTime: s.slot.end }],
          payment: { cardNumber: card, expiry, cvc } })).createAppointmentByClient;
      if (out.ok) {
        window.location.assign(`/booking/${cfg.slug}/thank-you?appointment=${encodeURIComponent(out.scheduledAppointment.id)}`);
        return;
      }
      s.error = out.message;
    } catch (e) { s.error = e.message; }
    s.busy = false; render();
  }

  function next() {
    s.error = "";
    const val = (id) => (root.querySelector(id) || { value: "" }).value.trim();
    if (s.step === 1) {
      const t = new Date(cfg.today + "T12:00:00Z");
      s.month = [t.getUTCFullYear(), t.getUTCMonth()]; s.step = 2; render(); loadMonth(); return;
    }
    if (s.step === 3) {
      s.phone = val("#m-phone");
      if (!s.phone) { s.error = "Enter your mobile number."; render(); return; }
    }
    if (s.step === 4) {
      s.first = val("#m-first"); s.last = val("#m-last"); s.email = val("#m-email");
      if (!s.first || !s.last || !s.email) { s.error = "All fields are required."; render(); return; }
    }
    if (s.step === 6) { pay(); return; }
    s.step += 1; render();
  }

  root.addEventListener("click", (ev) => {
    const t = ev.target.closest("button, .service-card, [role=gridcell], .time-chip, input, label");
    if (!t || (t.matches("button") && t.disabled)) return;
    if (t.matches(".next")) next();
    else if (t.matches(".back")) { s.error = ""; s.step -= 1; render(); if (s.step === 2) loadMonth(); }
    else if (t.matches(".confirm")) {
      const picked = root.querySelector("input[name=provider]:checked");
      if (!picked) { s.error = "Choose a provider or No preference."; render(); return; }
      s.item = items().find((i) => i.id === s.panelFor); s.provider = picked.value; s.panelFor = null; render();
    } else if (t.matches("input[name=provider], label")) {
      const radio = t.matches("input") ? t : t.querySelector("input");
      if (radio) s.pending = radio.value;
    } else if (t.matches(".service-card") && !ev.target.closest(".provider-panel")) {
      s.panelFor = t.dataset.item; s.pending = null; s.provider = null; s.item = null; render();
    } else if (t.matches("[role=gridcell]") && t.getAttribute("aria-disabled") !== "true") pickDay(t.dataset.day);
    else if (t.matches(".time-chip")) { s.slot = s.times[Number(t.dataset.i)]; render(); }
    else if (t.matches(".prev-month, .next-month")) {
      const [y, m] = s.month; const d = t.matches(".next-month") ? 1 : -1;
      s.month = [y + Math.floor((m + d) / 12), (m + d + 12) % 12]; s.day = null; s.times = null; s.slot = null;
      render(); loadMonth();
    }
  });
  root.addEventListener("input", (ev) => { if (ev.target.matches(".search")) filter(ev.target.value); });
  render();
})();
