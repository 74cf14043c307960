"""Visit teams' daily route sheets (issue 7): the sheet, its route sketch, its PDF, and the
day's outcome of each visit."""
