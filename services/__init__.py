"""The Workers' Culture Platform services. Each subpackage is one independent service; `common` is the kit."""
