"""The event-sourced core: signed events, aggregates, the application service."""
