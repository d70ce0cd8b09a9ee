"""The nine seed requests: five an admin makes, four an employee makes.

The demo plays them, the tests run each end to end, the evals paraphrase them. The fixed points they use
(site 18, agent 6, tickets 789 and 790, emma.hart@example.com) are guaranteed by the sandbox's demo data.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_ADMIN_AGENT_ID = 1  # the sandbox's "Alex Morgan", a service-desk admin
DEMO_SECOND_ADMIN_AGENT_ID = 2  # another admin, who can approve Alex's requests
DEMO_EMPLOYEE_EMAIL = "emma.hart@example.com"
OTHER_EMPLOYEE_EMAIL = "liam.cole@example.com"


@dataclass(frozen=True)
class SeedPrompt:
    key: str
    role: str  # "admin" | "employee"
    text: str
    confirm: bool = False  # the policy asks the person to confirm; the demo answers "yes"


ADMIN_PROMPTS = (
    SeedPrompt(
        "admin_create_incident",
        "admin",
        "Create a new incident for site 18: the printer on the second floor keeps jamming. "
        "Priority High, assign it to 1st Line Support.",
    ),
    SeedPrompt("admin_list_agent_incidents", "admin", "List all open incidents assigned to agent 6."),
    SeedPrompt(
        "admin_hidden_note",
        "admin",
        "Add a hidden note to ticket 789: checked the mail server logs, waiting on the vendor.",
    ),
    SeedPrompt(
        "admin_reprioritise_reassign",
        "admin",
        "Change the priority of ticket 789 to High and reassign it to 2nd Line Support.",
    ),
    SeedPrompt(
        "admin_close_with_note",
        "admin",
        "Close ticket 790 with a note visible to the user: the VPN certificate was renewed, all working.",
        confirm=True,
    ),
)

EMPLOYEE_PROMPTS = (
    SeedPrompt(
        "employee_open_ticket",
        "employee",
        "My laptop battery won't charge anymore. Please open a ticket for me.",
    ),
    SeedPrompt("employee_ticket_status", "employee", "What's the status of my ticket 789?"),
    SeedPrompt("employee_kb_question", "employee", "How do I reset my password?"),
    SeedPrompt(
        "employee_close_email_ticket",
        "employee",
        "It's working again, you can close my email ticket.",
        confirm=True,
    ),
)

SEED_PROMPTS = ADMIN_PROMPTS + EMPLOYEE_PROMPTS
