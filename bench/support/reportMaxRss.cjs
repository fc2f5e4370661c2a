// Preloaded (--require) into a measured process: on exit it writes its peak RSS (the kernel's
// maxRSS, in kilobytes) and the CPU it used (user + system, microseconds) to stderr as the lines
// `max-rss-kb <n>` and `cpu-us <n>`, for the bench that started it.
process.on('exit', () => {
  const cpu = process.cpuUsage();
  process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\ncpu-us ${cpu.user + cpu.system}\n`);
});
