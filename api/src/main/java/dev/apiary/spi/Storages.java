package dev.apiary.spi;

import java.util.List;

/**
 * The application's job storages as the runtime holds them: one object per {@code JobStorage<T>} bean for the
 * application's lifetime, whatever the bean's scope. A reader that asks again and again (the dashboard, every two
 * seconds) gets the same storages each time and never makes one, which looking the beans up itself would do for a
 * {@code @Dependent} producer. The runtime provides it as an application-scoped CDI bean: inject it.
 */
public interface Storages {

    /** Every job storage of the application, each made on its first use and the same object afterwards. */
    List<JobStorage<?>> all();
}
