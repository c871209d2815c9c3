"""Reports for the social-media lead and management: ``status`` (the month against
the plan's targets), the calendar view, and the weekly, monthly and quarterly
reports. They read the library snapshot and what runs wrote back; they never call
a platform or GitHub themselves (the CLI posts what they render).
"""
