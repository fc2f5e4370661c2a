// Preloaded (--require) into a measured process: on exit it writes its peak RSS (the kernel's
// maxRSS, in kilobytes) to stderr as one line `max-rss-kb <n>`, for the bench that started it.
process.on('exit', () => {
  process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
