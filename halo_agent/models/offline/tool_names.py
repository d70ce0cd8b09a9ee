"""The names of the tools the offline model calls (planning and wording both need them)."""

CREATE, GET, LIST = "haloitsm_create_ticket", "haloitsm_get_ticket", "haloitsm_list_tickets"
UPDATE, NOTE, RESOLVE = "haloitsm_update_ticket", "haloitsm_add_note", "haloitsm_resolve_ticket"
LOOKUP, OPTIONS, KB = "haloitsm_lookup", "haloitsm_ticket_options", "haloitsm_search_kb"
