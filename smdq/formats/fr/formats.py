# French date and time formats where Django's own differ from the programme's usage: « 14 h 00 », not « 14:00 »
# (the form of the French administration's style guides). Everything else comes from django/conf/locale/fr.
# The no-break spaces inside a time are added by smdq/typography.py, with the others.
TIME_FORMAT = r"G \h i"
DATETIME_FORMAT = r"j F Y à G \h i"
SHORT_DATETIME_FORMAT = r"d/m/Y G \h i"
