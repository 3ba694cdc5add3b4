# Questionnaires and the bilan engine arrive with the issues that build them.
