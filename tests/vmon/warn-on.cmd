# --no-warn, then one warning on again: only it is said
set warn user-access on
continue
info warnings
