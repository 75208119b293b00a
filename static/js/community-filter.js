/* The community chooser (社区, about 845 options grouped by "district · subdistrict"): a search box
   above the <select> narrows its options to those whose community, subdistrict or district matches
   what is typed. Without JavaScript the plain select works as before.

   An option matches on its text, its group's label and its `data-search` attribute (other names and
   codes, when the page gives them). Options that do not match are taken out of the select rather
   than hidden: phones' pickers do not all honour a hidden <option>. The chosen option always stays,
   so typing never changes what the form sends; only a single match, or Enter, chooses. */
(function () {
  "use strict";
  // Strings are marked with gettext() itself (an alias would hide them from makemessages);
  // without the catalogue they stay in English.
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (singular, plural, n) { return n === 1 ? singular : plural; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (match, key) { return String(obj[key]); });
  };

  // Full-width letters and digits (as a Chinese keyboard may type them) compare as half-width.
  function fold(text) {
    text = String(text || "");
    return (text.normalize ? text.normalize("NFKC") : text).toLowerCase();
  }
  function termsOf(query) {
    return fold(query).split(/[\s·,，、]+/).filter(Boolean);
  }

  function element(tag, className) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    return el;
  }

  function setUp(wrapper) {
    var select = wrapper.querySelector("select");
    if (!select || !select.id) { return; }

    // The options in page order: each group with its options, or a lone option (the "Choose…").
    var entries = [];
    var items = [];
    Array.prototype.slice.call(select.children).forEach(function (child) {
      var tag = child.tagName.toLowerCase();
      if (tag !== "option" && tag !== "optgroup") { return; }
      var group = tag === "optgroup" ? child : null;
      var options = group ? Array.prototype.slice.call(group.children) : [child];
      var entry = { group: group, items: [] };
      options.forEach(function (option) {
        var item = {
          option: option,
          group: group,
          text: fold([option.textContent, option.getAttribute("data-search"), group && group.label].join(" ")),
        };
        entry.items.push(item);
        items.push(item);
      });
      entries.push(entry);
    });

    var box = element("div", "option-filter");
    var label = element("label");
    var input = element("input");
    var row = element("div", "option-filter-row");
    var clearButton = element("button", "button option-filter-clear");
    var status = element("p", "option-filter-status");
    input.type = "search";
    input.id = select.id + "_filter";
    label.setAttribute("for", input.id);
    label.textContent = gettext("Find the community: type part of a community, subdistrict or district name");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("aria-controls", select.id);
    clearButton.type = "button";
    clearButton.textContent = gettext("Clear");
    clearButton.hidden = true;
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    row.appendChild(input);
    row.appendChild(clearButton);
    box.appendChild(label);
    box.appendChild(row);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);

    var lastKey = null;
    var terms = [];
    var matches = [];

    function matching(item) {
      return terms.every(function (term) { return item.text.indexOf(term) !== -1; });
    }
    function describe(item) {
      return (item.group ? item.group.label + " · " : "") + item.option.textContent.trim();
    }

    // The select holds the matches in their groups, the empty "Choose…" and the option of `value`,
    // which it is left on. An option out of the select cannot be chosen: the value is set after.
    function render(value) {
      while (select.lastChild) { select.removeChild(select.lastChild); }
      entries.forEach(function (entry) {
        var shown = entry.items.filter(function (item) {
          return !terms.length || item.option.value === "" || item.option.value === value || matching(item);
        });
        if (!entry.group) {
          shown.forEach(function (item) { select.appendChild(item.option); });
          return;
        }
        while (entry.group.lastChild) { entry.group.removeChild(entry.group.lastChild); }
        shown.forEach(function (item) { entry.group.appendChild(item.option); });
        if (shown.length) { select.appendChild(entry.group); }
      });
      select.value = value;
    }

    function show(value) {
      var before = select.value;
      render(value);
      if (select.value !== before) { select.dispatchEvent(new Event("change", { bubbles: true })); }
    }

    function countMessage() {
      if (!matches.length) {
        return interpolate(
          gettext("No community matches “%(query)s”. Check what you typed, or type less of it."),
          { query: input.value.trim() }, true);
      }
      if (matches.length === 1) {
        return interpolate(gettext("One community matches and is now chosen: %(community)s."),
          { community: describe(matches[0]) }, true);
      }
      return interpolate(ngettext("%(count)s community matches.", "%(count)s communities match.", matches.length),
        { count: matches.length }, true);
    }

    function update() {
      terms = termsOf(input.value);
      var key = terms.join(" ");
      clearButton.hidden = input.value === "";
      if (key === lastKey) { return; }
      lastKey = key;
      matches = terms.length ? items.filter(function (item) { return item.option.value !== "" && matching(item); }) : [];
      show(matches.length === 1 ? matches[0].option.value : select.value);
      status.textContent = terms.length ? countMessage() : "";
    }

    function clear() {
      input.value = "";
      update();
      input.focus();
    }

    // While an input method composes (pinyin on the way to 社区), the box holds letters that are
    // not what the user means yet: filter once the characters are in.
    var composing = false;
    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; update(); });
    input.addEventListener("input", function (event) {
      clearButton.hidden = input.value === "";
      if (!composing && !event.isComposing) { update(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.keyCode === 229) { return; }
      if (event.key === "Enter") {
        // Enter in the search box never sends the report; it takes the first match.
        event.preventDefault();
        update();
        if (matches.length > 1) {
          show(matches[0].option.value);
          status.textContent = interpolate(gettext("Chosen: %(community)s."), { community: describe(matches[0]) }, true);
        }
      } else if (event.key === "Escape" && input.value !== "") {
        event.preventDefault();
        clear();
      }
    });
    clearButton.addEventListener("click", clear);
    if (input.value) { update(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-community-filter]"), setUp);
})();
