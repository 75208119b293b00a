// Runs static/js/community-filter.js against a small stand-in for the page (the community field as
// includes/field.html renders it), plays one scenario and prints what a user would see as JSON
// (test_community_filter_js.py asserts on it).
// The stand-in behaves as a browser does where it matters: an element appended elsewhere leaves its
// old parent; a dropdown select with no option chosen shows (and sends) its first option.
// Usage: node community_filter_harness.js <path to community-filter.js> <scenario>
"use strict";
const fs = require("fs");
const vm = require("vm");

const [scriptPath, scenario] = process.argv.slice(2);

class Event {
  constructor(type, init = {}) {
    Object.assign(this, init, { type, defaultPrevented: false });
  }
  preventDefault() { this.defaultPrevented = true; }
}

class Element {
  constructor(document, tagName) {
    this.ownerDocument = document;
    this.tagName = tagName.toUpperCase();
    this.children = [];
    this.parentNode = null;
    this.attributes = {};
    this.listeners = {};
    this.className = "";
    this.hidden = false;
    this.text = "";
  }
  get id() { return this.attributes.id || ""; }
  set id(v) { this.attributes.id = String(v); }
  get lastChild() { return this.children[this.children.length - 1] || null; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
  set textContent(v) { this.text = String(v); this.children.forEach((c) => { c.parentNode = null; }); this.children = []; }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  appendChild(child) { return this.insertBefore(child, null); }
  insertBefore(child, ref) {
    if (child.parentNode) child.parentNode.removeChild(child);
    const at = ref ? this.children.indexOf(ref) : this.children.length;
    this.children.splice(at, 0, child);
    child.parentNode = this;
    return child;
  }
  removeChild(child) {
    this.children = this.children.filter((c) => c !== child);
    child.parentNode = null;
    return child;
  }
  descendants() { return this.children.flatMap((c) => [c, ...c.descendants()]); }
  matches(selector) {
    const attr = /^\[([\w-]+)\]$/.exec(selector);
    return attr ? attr[1] in this.attributes : this.tagName === selector.toUpperCase();
  }
  querySelector(selector) { return this.descendants().find((el) => el.matches(selector)) || null; }
  querySelectorAll(selector) { return this.descendants().filter((el) => el.matches(selector)); }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatchEvent(event) {
    this.ownerDocument.dispatched.push({ target: this.id, type: event.type, bubbles: !!event.bubbles });
    (this.listeners[event.type] || []).slice().forEach((fn) => fn.call(this, event));
    return !event.defaultPrevented;
  }
  focus() { this.ownerDocument.activeElement = this; }
}

class Option extends Element {
  constructor(document, value, text) {
    super(document, "option");
    this.value = value;
    this.text = text;
    this.selected = false;
  }
}

class OptGroup extends Element {
  constructor(document, label) { super(document, "optgroup"); this.label = label; }
}

class Select extends Element {
  constructor(document) { super(document, "select"); }
  get options() { return this.descendants().filter((el) => el instanceof Option); }
  get value() {
    const options = this.options;
    const chosen = options.filter((o) => o.selected).pop() || options[0];
    return chosen ? chosen.value : "";
  }
  set value(v) { this.options.forEach((o) => { o.selected = o.value === String(v); }); }
}

class Input extends Element {
  constructor(document, tagName) { super(document, tagName); this.value = ""; this.type = ""; }
}

function makeDocument() {
  const document = {
    dispatched: [],
    activeElement: null,
    createElement: (tag) => (tag === "input" ? new Input(document, tag) : new Element(document, tag)),
  };
  document.body = new Element(document, "body");
  document.querySelectorAll = (sel) => document.body.querySelectorAll(sel);
  document.querySelector = (sel) => document.body.querySelector(sel);
  return document;
}

// Communities as the demo city has them: code, Chinese name, English name, in groups of
// [district, subdistrict]. `data-search` carries what the option does not show.
const CITY = [
  [["罗湖区", "Luohu", "440303"], ["桂园街道", "Guiyuan Subdistrict", "440303001"], [
    ["1", "440303001001", "景坪社区", "Jingping Community"],
    ["2", "440303001002", "阳园社区", "Yangyuan Community"],
  ]],
  [["罗湖区", "Luohu", "440303"], ["黄贝街道", "Huangbei Subdistrict", "440303002"], [
    ["3", "440303002001", "龙峰社区", "Longfeng Community"],
  ]],
  [["福田区", "Futian", "440304"], ["园岭街道", "Yuanling Subdistrict", "440304001"], [
    ["4", "440304001001", "红荔社区", "Hongli Community"],
    ["5", "440304001002", "百花社区", "Baihua Community"],
  ]],
  [["南山区", "Nanshan", "440305"], ["南头街道", "Nantou Subdistrict", "440305001"], [
    ["6", "440305001001", "前海社区", "Qianhai Community"],
  ]],
];

// The page: the field's wrapper (data-community-filter), its label, the select, its help text.
// `english`: the page in English (labels in English, Chinese names in data-search);
// `searchData`: false for options without data-search.
function world({ english = false, searchData = true, catalog = {}, chosen = "" } = {}) {
  const document = makeDocument();
  const wrapper = new Element(document, "div");
  wrapper.setAttribute("data-community-filter", "");
  const field = new Element(document, "div");
  const label = new Element(document, "label");
  label.textContent = english ? "Community" : "社区";
  const select = new Select(document);
  select.id = "id_community";
  select.appendChild(new Option(document, "", english ? "Choose…" : "请选择…"));
  const names = (area) => (english ? [area[1], area[0]] : [area[0], area[1]]);
  CITY.forEach(([district, subdistrict, communities]) => {
    const group = new OptGroup(document, `${names(district)[0]} · ${names(subdistrict)[0]}`);
    communities.forEach(([pk, code, zh, en]) => {
      const option = new Option(document, pk, english ? en : zh);
      if (searchData) {
        option.setAttribute("data-search", [(english ? zh : en), code, names(subdistrict)[1], names(district)[1]].join(" "));
      }
      group.appendChild(option);
    });
    select.appendChild(group);
  });
  select.value = chosen;
  const help = new Element(document, "p");
  [label, select, help].forEach((el) => field.appendChild(el));
  wrapper.appendChild(field);
  document.body.appendChild(wrapper);

  const window = {};
  const sandbox = {
    window, document, Event, console,
    // Django's catalogue: gettext, ngettext (Chinese has one form) and interpolate as in
    // django/views/i18n.py.
    gettext: (s) => catalog[s] || s,
    ngettext: (s, p, n) => catalog[s] || (n === 1 ? s : p),
    interpolate: (fmt, obj, named) => (named
      ? fmt.replace(/%\(\w+\)s/g, (m) => String(obj[m.slice(2, -2)]))
      : fmt.replace(/%s/g, () => String(obj.shift()))),
  };
  Object.assign(window, sandbox);
  vm.runInNewContext(fs.readFileSync(scriptPath, "utf8"), sandbox);

  const box = field.children.find((el) => el.className === "option-filter");
  const input = box && box.querySelector("input");
  const clearButton = box && box.querySelector("button");
  const status = box && box.querySelector("p");

  function fire(el, type, init) {
    const event = new Event(type, init);
    el.dispatchEvent(event);
    return event;
  }
  return {
    document, field, select, box, input, clearButton, status,
    type(text, init = {}) { input.value = text; return fire(input, "input", { isComposing: false, ...init }); },
    press(key, init = {}) { return fire(input, "keydown", { key, keyCode: 0, isComposing: false, ...init }); },
    fire,
    // the user picks an option in the select
    pick(value) { select.value = value; fire(select, "change", { bubbles: true }); },
    // what the user sees: the select's groups and options, what it sends, the count line
    seen() {
      return {
        list: select.children.map((el) => (el instanceof OptGroup
          ? { group: el.label, options: el.children.map((o) => o.textContent) }
          : el.textContent)),
        value: select.value,
        status: status.textContent,
        clear_hidden: clearButton.hidden,
        changes: document.dispatched.filter((e) => e.target === "id_community" && e.type === "change").length,
      };
    },
  };
}

const ZH = {
  "%(count)s community matches.": "找到 %(count)s 个社区。",
  "No community matches “%(query)s”. Check what you typed, or type less of it.": "没有找到与“%(query)s”相符的社区。请检查输入，或少输入几个字。",
  "One community matches and is now chosen: %(community)s.": "只找到一个社区，已为您选择：%(community)s。",
  "Chosen: %(community)s.": "已选择：%(community)s。",
  "Find the community: type part of a community, subdistrict or district name": "查找社区：输入社区、街道或区名称中的几个字",
  Clear: "清除",
};

const scenarios = {
  // what the script adds to the page, before anyone types
  layout() {
    const w = world();
    const label = w.box.querySelector("label");
    return {
      before_select: w.field.children.indexOf(w.box) === w.field.children.indexOf(w.select) - 1,
      label: label.textContent,
      label_for: label.getAttribute("for"),
      input_id: w.input.id,
      input_type: w.input.type,
      input_name: w.input.getAttribute("name"),
      controls: w.input.getAttribute("aria-controls"),
      clear_type: w.clearButton.type,
      live: w.status.getAttribute("aria-live"),
      role: w.status.getAttribute("role"),
      ...w.seen(),
    };
  },
  by_chinese_name() { const w = world(); w.type("红荔"); return w.seen(); },
  by_code() { const w = world(); w.type("440303001"); return w.seen(); },
  by_full_width_code() { const w = world(); w.type("４４０３０３００１"); return w.seen(); },
  by_district() { const w = world(); w.type("罗湖"); return w.seen(); },
  by_district_and_name() { const w = world(); w.type("福田 百花"); return w.seen(); },
  by_english_name() { const w = world(); w.type("yangyuan"); return w.seen(); },
  english_page_by_chinese_district() { const w = world({ english: true }); w.type("福田"); return w.seen(); },
  english_page_by_english_name() { const w = world({ english: true }); w.type("Hongli"); return w.seen(); },
  // the page as it is without data-search: the option's text and its group's label
  text_only_by_name_and_district() {
    const w = world({ searchData: false });
    w.type("景坪");
    const name = w.seen();
    w.type("南山");
    return { name, district: w.seen() };
  },
  no_match() { const w = world(); w.type("xyz"); return w.seen(); },
  enter_takes_the_first_match() {
    const w = world();
    w.type("罗湖");
    const event = w.press("Enter");
    return { prevented: event.defaultPrevented, ...w.seen() };
  },
  enter_with_nothing_typed_does_not_send_the_form() {
    const w = world();
    const event = w.press("Enter");
    return { prevented: event.defaultPrevented, ...w.seen() };
  },
  // typing never takes away the community already chosen
  chosen_stays_while_filtering() {
    const w = world();
    w.pick("6");
    w.type("罗湖");
    return w.seen();
  },
  // the single match was not in the list the previous words left: it is chosen all the same
  single_match_from_another_list() {
    const w = world();
    w.type("福田");
    w.type("景坪");
    return w.seen();
  },
  // Enter replaces a community chosen before, which then leaves the list like any non-match
  enter_replaces_the_chosen_community() {
    const w = world();
    w.pick("6");
    w.type("罗湖");
    w.press("Enter");
    return w.seen();
  },
  clear_button_restores_all() {
    const w = world();
    const all = w.seen().list;
    w.type("红荔");
    const typed = w.seen();
    w.clearButton.dispatchEvent(new Event("click"));
    return { all, typed, cleared: w.seen(), input: w.input.value, focused: w.document.activeElement === w.input };
  },
  escape_restores_all() {
    const w = world();
    const all = w.seen().list;
    w.type("罗湖");
    const event = w.press("Escape");
    return { all, prevented: event.defaultPrevented, cleared: w.seen(), input: w.input.value };
  },
  emptying_the_box_restores_all() {
    const w = world();
    const all = w.seen().list;
    w.type("罗湖");
    w.type("");
    return { all, cleared: w.seen() };
  },
  // pinyin on the way to 红荔: nothing filters until the characters are in
  input_method_composition() {
    const w = world();
    w.fire(w.input, "compositionstart", {});
    w.type("hong", { isComposing: true });
    const composing = w.seen();
    w.input.value = "红荔";
    w.fire(w.input, "compositionend", {});
    w.type("红荔"); // the input event some browsers send after compositionend
    return { composing, composed: w.seen() };
  },
  in_chinese() {
    const w = world({ catalog: ZH });
    const label = w.box.querySelector("label").textContent;
    const clear = w.clearButton.textContent;
    w.type("罗湖");
    const many = w.seen().status;
    w.type("红荔");
    const one = w.seen().status;
    w.type("xyz");
    const none = w.seen().status;
    w.type("罗湖");
    w.press("Enter");
    return { label, clear, many, one, none, chosen: w.seen().status };
  },
};

process.stdout.write(JSON.stringify(scenarios[scenario]()));
