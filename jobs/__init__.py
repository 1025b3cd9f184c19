"""Every scheduled job, registered in one place: `register_jobs(scheduler, services)`."""
