"""Background jobs: documents that take seconds (the annual report, the meeting pack, a programme's dossier)
and e-mail sending, off the request.

The `jobs` table is what the person sees: what they asked for, its state and progress, its file when done
(models.py). The engine is only transport: with FUNDMGR_QUEUE_URL (Redis) jobs go to RQ and
`flask --app fundmgr worker` runs them; without it they run in-process, in a thread of the web server
(runner.py). Each domain package registers the kinds of document it builds (kinds.py) next to the view that
asks for them; the job page and "My documents" are views.py.
"""
