/* "Use my location": fill the form's lon/lat (WGS84, as phones report it) from the browser.
   Works without a map; the address field stays available when location is refused. */
(function () {
  "use strict";
  // Strings are marked with gettext() itself (an alias would hide them from makemessages);
  // without the catalogue they stay in English.
  var gettext = window.gettext || function (s) { return s; };

  function setValue(form, name, value) {
    var input = form.querySelector('[name="' + name + '"]');
    if (input) { input.value = value; }
  }

  function locate(button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-geostatus]");
    function say(text, isError) {
      if (status) { status.textContent = text; status.classList.toggle("error", !!isError); }
    }
    if (!navigator.geolocation) {
      say(gettext("This browser cannot tell your location. Please choose the community or type an address."), true);
      return;
    }
    button.disabled = true;
    say(gettext("Finding your location…"));
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        setValue(form, "lon", pos.coords.longitude.toFixed(6));
        setValue(form, "lat", pos.coords.latitude.toFixed(6));
        setValue(form, "crs", "wgs84");
        button.disabled = false;
        button.classList.add("done");
        var clearButton = form.querySelector("[data-geoclear]");
        if (clearButton) { clearButton.hidden = false; }
        say(gettext("Location found (accuracy about %s m).").replace("%s", Math.round(pos.coords.accuracy)));
      },
      function () {
        button.disabled = false;
        say(gettext("Could not get your location. Please choose the community or type an address."), true);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function clear(button) {
    var form = button.closest("form");
    setValue(form, "lon", "");
    setValue(form, "lat", "");
    var status = form.querySelector("[data-geostatus]");
    if (status) { status.textContent = ""; status.classList.remove("error"); }
    // "clear" is only shown while there is a location to clear; focus goes back to the locate button.
    button.hidden = true;
    var locateButton = form.querySelector("[data-geolocate]");
    if (locateButton) { locateButton.classList.remove("done"); locateButton.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate]");
    if (button) { event.preventDefault(); locate(button); return; }
    var clearButton = event.target.closest("[data-geoclear]");
    if (clearButton) { event.preventDefault(); clear(clearButton); }
  });
})();
