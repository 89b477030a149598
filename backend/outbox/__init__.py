"""The outbox, the one home of the intake -> outbox -> work item flow: queue.py (the Kind of work and
enqueue, written in the transaction of the change), handlers.py (one per Kind: read, call Azure DevOps,
write back), worker.py (claims rows with a lease, retries with back-off), cli.py (`report-bridge worker`).
"""
