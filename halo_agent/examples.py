"""The nine seed requests, word for word from the product page: five an admin makes, four an employee makes.

The demo plays them, the tests run each end to end, the evals paraphrase them. The fixed points they use
(site 18, "1st Line Support", agent 6's 44 open incidents, Emma Hart's open email ticket 789) are
guaranteed by the sandbox's demo data.

Two of them need a word more from the person, as they would in a real conversation: the visible note
"summarising the fix" needs the fix, and Emma has three open tickets, so "my open ticket" needs to say
which. `replies` are what the person answers when asked; `confirm` marks the policy's confirmation, which
the demo answers "yes".
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
    replies: tuple[str, ...] = ()  # the person's answers, in order, when the agent asks for a detail


ADMIN_PROMPTS = (
    SeedPrompt(
        "admin_create_incident",
        "admin",
        'Open a HaloITSM Incident — "Cannot access email application, connection timed out", '
        "priority Medium, site 18, assign to the 1st Line Support team",
    ),
    SeedPrompt(
        "admin_list_agent_incidents", "admin", "List every open HaloITSM Incident assigned to agent ID 6"
    ),
    SeedPrompt(
        "admin_hidden_note",
        "admin",
        'Add a hidden-from-user note to ticket 789: "Investigated — root cause is a DNS misconfiguration, '
        'escalating to L3"',
    ),
    SeedPrompt(
        "admin_reprioritise_reassign",
        "admin",
        "Bump ticket 789 to priority High and reassign it to 2nd Line Support",
    ),
    SeedPrompt(
        "admin_close_with_note",
        "admin",
        "Close ticket 789 and add a visible note summarising the fix for the user",
        confirm=True,
        replies=("The DNS record for the mail server was corrected; email connects again.",),
    ),
)

EMPLOYEE_PROMPTS = (
    SeedPrompt(
        "employee_open_ticket",
        "employee",
        "Open a HaloITSM ticket — my laptop drops off Wi-Fi every time it wakes from sleep",
    ),
    SeedPrompt("employee_ticket_status", "employee", "What's the status of my ticket 789?"),
    SeedPrompt(
        "employee_add_note",
        "employee",
        'Add a note to my open ticket: "Tried rebooting twice, same error"',
        confirm=True,  # the answer follows the list of her tickets (Halo text): the note is confirmed
        replies=("the email one, 789",),
    ),
    SeedPrompt(
        "employee_close_email_ticket",
        "employee",
        "Please close my email ticket — it's working again since this morning",
        confirm=True,
    ),
)

SEED_PROMPTS = ADMIN_PROMPTS + EMPLOYEE_PROMPTS
