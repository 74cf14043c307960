"""Facility visits (SPEC §3, §5, §8; issue 6): requests taken by operators, the managers'
call-back queue, scheduling on facility days through the planner's policy, pre-meetings,
the preparation checklist and the residents' applicant list."""
