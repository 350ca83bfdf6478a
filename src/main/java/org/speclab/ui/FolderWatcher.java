package org.speclab.ui;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tells the library when files appear in or leave its folders (a download finishing, a job's
 * output), at most once a second, so the list never needs a manual rescan.
 */
final class FolderWatcher {
    private final Runnable onChange;
    private final Set<Path> watched = new HashSet<>();
    private WatchService service;

    FolderWatcher(Runnable onChange) {
        this.onChange = onChange;
    }

    synchronized void watch(List<Path> folders) {
        try {
            if (service == null) {
                service = FileSystems.getDefault().newWatchService();
                Thread t = new Thread(this::loop, "library-watch");
                t.setDaemon(true);
                t.start();
            }
            for (Path f : folders) {
                Path p = f.toAbsolutePath().normalize();
                if (Files.isDirectory(p) && watched.add(p)) {
                    p.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
                }
            }
        } catch (IOException e) {
            // watching is a convenience: without it the Rescan button still works
        }
    }

    private void loop() {
        while (true) {
            try {
                WatchKey key = service.take();
                Thread.sleep(1000); // let a burst of events (a file being written) settle
                key.pollEvents();
                while (true) {
                    WatchKey more = service.poll();
                    if (more == null) break;
                    more.pollEvents();
                    more.reset();
                }
                key.reset();
                onChange.run();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // keep watching
            }
        }
    }
}
