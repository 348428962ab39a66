// hotbed dev UI: the little behaviour the server-rendered pages need. No dependencies.
"use strict";
const page = document.body.dataset.page;
const payload = document.body.dataset.payload ? JSON.parse(document.body.dataset.payload) : null;
const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
};

if (page === "routes") {
  for (const row of document.querySelectorAll("tr.route")) {
    row.querySelector(".call").addEventListener("click", async () => {
      const answer = await fetch("/_hotbed/call", {method: "POST", body: JSON.stringify({
        method: row.dataset.method, path: row.dataset.path, params: row.querySelector(".params").value})});
      const data = await answer.json();
      row.querySelector(".result").textContent = `${data.status}\n${data.body}`;
    });
  }
}

if (page === "graph") {
  const impact = document.getElementById("impact");
  for (const node of document.querySelectorAll("g.node")) {
    node.addEventListener("mouseenter", () => {
      const path = node.dataset.path, dependents = payload[path] || [];
      node.classList.add("source");
      for (const other of document.querySelectorAll("g.node"))
        if (dependents.includes(other.dataset.path)) other.classList.add("hot");
      for (const line of document.querySelectorAll("line"))
        if (line.dataset.to === path || dependents.includes(line.dataset.to)) line.classList.add("hot");
      impact.textContent = dependents.length
        ? `a save of ${path} re-executes ${dependents.length + 1} modules: ${path}, ${dependents.join(", ")} (or is patched in place when only function bodies change)`
        : `a save of ${path} re-executes only itself (or is patched in place when only function bodies change)`;
    });
    node.addEventListener("mouseleave", () => {
      for (const other of document.querySelectorAll(".hot, .source")) other.classList.remove("hot", "source");
    });
  }
}

function describe(entry) {
  const r = entry.report, li = el("li", {class: r.errors.length ? "error" : "ok"});
  li.append(el("b", {}, `${entry.at} ${entry.state}`), document.createTextNode(` ${entry.message} (${r.durationMs.toFixed(1)} ms)`));
  const rel = (p) => p.startsWith(r.root) ? p.slice(r.root.length + 1) : p;
  const list = (label, items) => { if (items.length) li.append(el("div", {}, `${label}: ${items.map(rel).join(", ")}`)); };
  list("changed", r.changed); list("re-executed", r.reexecuted); list("generated", r.generated);
  list("APIs", r.apis); list("pruned", r.pruned);
  for (const x of r.restart) li.append(el("div", {}, `restart: ${x.message}`));
  for (const e of r.errors) li.append(el("pre", {class: "error"}, `${rel(e.path)}:${e.line}:${e.column}: ${e.message}\n${e.sourceLine || ""}`));
  return li;
}

if (page === "reloads") {
  const list = document.getElementById("timeline");
  for (const entry of payload) list.prepend(describe(entry));
  const source = new EventSource("/_hotbed/events");
  source.onopen = () => { document.getElementById("live").textContent = "live: every batch appears here as it ends"; };
  source.onmessage = (event) => list.prepend(describe(JSON.parse(event.data)));
}

const TYPES = ["integer", "bigInteger", "string", "text", "float", "double", "decimal", "numeric", "boolean",
  "date", "datetime", "time", "timestamp", "json", "uuid", "enum", "virtual", "relation"];
const OPTIONS = {string: ["length"], decimal: ["precision", "scale"], numeric: ["precision", "scale"],
  float: ["precision", "scale"], double: ["precision", "scale"], enum: ["id"], text: ["textType"],
  relation: ["with", "relationType", "joinColumn"], integer: ["unsigned"], bigInteger: ["unsigned"]};
const NUMERIC = new Set(["length", "precision", "scale"]);
const SHOWN = new Set(["name", "type", "nullable", "desc", ...Object.values(OPTIONS).flat()]);

function propRow(prop) {
  const row = el("tr", {class: "prop"});
  row.extra = Object.fromEntries(Object.entries(prop).filter(([k]) => !SHOWN.has(k)));
  const name = el("input", {name: "name", size: 14}); name.value = prop.name || "";
  const type = el("select", {name: "type"});
  for (const t of TYPES) { const o = el("option", {}, t); if (t === (prop.type || "string")) o.selected = true; type.append(o); }
  const options = el("td", {class: "options"});
  const fill = (values) => {
    options.replaceChildren();
    for (const key of OPTIONS[type.value] || []) {
      const input = key === "relationType" ? el("select", {name: key}) : el("input", {name: key, placeholder: key, size: 9});
      if (key === "relationType") for (const t of ["BelongsToOne", "HasMany", "ManyToMany", "OneToOne"]) input.append(el("option", {}, t));
      if (key === "unsigned") { input.type = "checkbox"; input.checked = !!values.unsigned; }
      else if (values[key] !== undefined) input.value = values[key];
      options.append(input);
    }
  };
  fill(prop); type.addEventListener("change", () => fill({}));
  const nullable = el("input", {name: "nullable", type: "checkbox"}); nullable.checked = !!prop.nullable;
  const desc = el("input", {name: "desc", size: 16}); desc.value = prop.desc || "";
  const remove = el("button", {type: "button"}, "×"); remove.onclick = () => row.remove();
  const cell = (...nodes) => { const td = el("td"); td.append(...nodes); return td; };
  row.append(cell(name, el("div", {class: "error"})), cell(type), options, cell(nullable), cell(desc), cell(remove));
  return row;
}

function readRow(row) {
  const prop = {name: row.querySelector("[name=name]").value.trim(), type: row.querySelector("[name=type]").value};
  for (const input of row.querySelectorAll(".options [name]")) {
    if (input.type === "checkbox") { if (input.checked) prop[input.name] = true; }
    else if (input.value !== "") prop[input.name] = NUMERIC.has(input.name) ? Number(input.value) : input.value;
  }
  if (row.querySelector("[name=nullable]").checked) prop.nullable = true;
  const desc = row.querySelector("[name=desc]").value; if (desc) prop.desc = desc;
  return {...prop, ...row.extra};
}


if (page === "entities" && payload && payload.document) {
  const doc = payload.document, table = document.getElementById("props"), form = document.getElementById("entity");
  for (const prop of doc.props || []) table.append(propRow(prop));
  document.getElementById("add-prop").onclick = () => table.append(propRow({type: "string", length: 64}));
  for (const key of ["indexes", "subsets", "enums"]) form.elements[key].value = JSON.stringify(doc[key] ?? (key === "indexes" ? [] : {}), null, 1);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const e of form.querySelectorAll(".error")) e.textContent = "";
    for (const e of form.querySelectorAll(".invalid")) e.classList.remove("invalid");
    const next = {...doc, props: [...table.querySelectorAll("tr.prop")].map(readRow)};
    try { for (const key of ["indexes", "subsets", "enums"]) next[key] = JSON.parse(form.elements[key].value); }
    catch (error) { form.querySelector("[data-field='']").textContent = `not JSON: ${error.message}`; return; }
    document.getElementById("saved").textContent = "saving…";
    const answer = await fetch(`/_hotbed/entities/${payload.id}`, {method: "POST", body: JSON.stringify(next)});
    const data = await answer.json();
    if (!data.ok) {
      document.getElementById("saved").textContent = "not saved";
      const rows = table.querySelectorAll("tr.prop");
      for (const error of data.errors) {
        const match = /^props\.(\d+)(?:\.(\w+))?/.exec(error.field || "");
        if (match && rows[+match[1]]) {
          const row = rows[+match[1]];
          const input = row.querySelector(`[name=${match[2] || "name"}]`) || row.querySelector("[name=name]");
          input.classList.add("invalid");
          row.querySelector(".error").textContent = error.message;
        } else {
          const top = (error.field || "").split(".")[0];
          const box = form.querySelector(`.error[data-field="${top}"]`) || form.querySelector("[data-field='']");
          box.textContent += error.message + " ";
        }
      }
      return;
    }
    Object.assign(doc, next);
    document.getElementById("saved").textContent = data.report.errors.length ? "saved; the batch failed (see Reloads)" : "saved and reloaded";
  });
}

if (page === "entities" && document.getElementById("create")) {
  const create = document.getElementById("create");
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await fetch("/_hotbed/entities/_new", {method: "POST", body: JSON.stringify({id: create.elements.id.value})});
    const data = await answer.json();
    if (data.ok) location.href = `/_hotbed/entities/${create.elements.id.value}`;
    else document.getElementById("create-error").textContent = data.errors.map((e) => e.message).join("; ");
  });
}
